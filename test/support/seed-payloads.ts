// The payloads of the original integration's design note (shared/seed/000_84c6defa01a44b96.txt,
// "Payload Mapping → JobRequest" and "Headers and Security"), as its users send them: only the
// fields the original service read. Kept as the text the note gives.

/** "Minimal push payload shape": `after` and the repository's clone and ssh URLs. */
export const SEED_PUSH = `{
"after": "0123456789abcdef0123456789abcdef01234567",
"repository": {
"clone_url": "https://github.com/org/repo.git",
"ssh_url": "git@github.com:org/repo.git"
}
}`;

/**
 * "Minimal PR payload shape": the head's sha and repository URLs. The note's sha has 38 hex
 * digits, which is no commit id: this payload is refused with that reason.
 */
export const SEED_PULL_REQUEST = `{
"action": "synchronize",
"pull_request": {
"head": {
"sha": "89abcdef0123456789abcdef0123456789abcd",
"repo": {
"clone_url": "https://github.com/org/repo.git",
"ssh_url": "git@github.com:org/repo.git"
}
}
}
}`;

/** The body of the note's signed curl smoke test: no commit id and an empty repository. */
export const SEED_CURL_BODY = '{"after":"deadbeef", "repository":{}}';

/** A payload of the note with its commit id replaced by `sha`. */
export function withSha(seedPayload: string, sha: string): string {
  return seedPayload.replace(/"(after|sha)": "[0-9a-f]+"/, `"$1": "${sha}"`);
}
