/**
 * A `.solstice/workflow.kdl` of three jobs: what the stand-in program serves by default, and
 * what the benches and the fault tests put at every commit they push.
 */
export const SAMPLE_WORKFLOW = `workflow name="CI" {
    job "build" runs_on="illumos-latest" script=".solstice/build.sh"
    job "test" runs_on="ubuntu-22.04" script=".solstice/test.sh"
    job "lint" script=".solstice/lint.sh"
}
`;

/** The job ids of SAMPLE_WORKFLOW, in order. */
export const SAMPLE_JOBS = ['build', 'test', 'lint'] as const;
