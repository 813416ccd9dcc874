export {
  GitHubStandIn,
  type CallRecord,
  type Installation,
  type Route,
  type RouteContext,
  type RouteResult,
  type StandInOptions,
  type WriteRecord,
} from './server.js';
export { createStandIn, type StandInStores } from './create-stand-in.js';
export { appRoutes } from './routes/apps.js';
export { checkRoutes, CheckRunStore, type StandInCheckRun } from './routes/checks.js';
export { contentRoutes, ContentStore } from './routes/contents.js';
export { collaboratorRoutes, CollaboratorStore, type Role } from './routes/collaborators.js';
export { SAMPLE_JOBS, SAMPLE_WORKFLOW } from './sample-workflow.js';
export { generateAppKey } from './test-app-key.js';
export { deliveryRoutes } from './routes/deliveries.js';
export { AppManifests, type RegisteredApp } from './routes/manifests.js';
export {
  WebhookSender,
  type DeliveryItem,
  type SendWebhookOptions,
  type StandInDelivery,
  type WebhookSenderOptions,
} from './webhook-sender.js';
