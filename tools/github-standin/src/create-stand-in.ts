import { appRoutes } from './routes/apps.js';
import { checkRoutes, type CheckRunStore } from './routes/checks.js';
import { collaboratorRoutes, type CollaboratorStore } from './routes/collaborators.js';
import { contentRoutes, type ContentStore } from './routes/contents.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { AppManifests } from './routes/manifests.js';
import { GitHubStandIn, type StandInOptions } from './server.js';
import type { WebhookSender } from './webhook-sender.js';

/** What the stand-in serves besides the App routes: one API per store given. */
export interface StandInStores {
  /** The Contents API over these files. */
  contents?: ContentStore;
  /** The Checks API over these runs. */
  checks?: CheckRunStore;
  /** Users' permissions on repositories (GET …/collaborators/{username}/permission). */
  collaborators?: CollaboratorStore;
  /** The App's hook deliveries: what this sender sent, and redeliveries through it. */
  sender?: WebhookSender;
  /** The App-manifest flow (always served; give one to read the Apps it registered). */
  manifests?: AppManifests;
}

/** The GitHub stand-in with the App routes and the API of each store given (not started). */
export function createStandIn(o: StandInOptions & StandInStores): GitHubStandIn {
  const { contents, checks, collaborators, sender, manifests, ...options } = o;
  const standIn = new GitHubStandIn(options)
    .use(appRoutes)
    .use((manifests ?? new AppManifests()).routes());
  if (contents) standIn.use(contentRoutes(contents));
  if (checks) standIn.use(checkRoutes(checks));
  if (collaborators) standIn.use(collaboratorRoutes(collaborators));
  if (sender) standIn.use(deliveryRoutes(sender));
  return standIn;
}
