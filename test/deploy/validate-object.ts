import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { RenderedObject } from './render-kustomize.js';

// The JSON schemas of Kubernetes (kubernetes-models) and of KEDA's CRDs
// (@kubernetes-models/keda), by apiVersion and kind.
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

/**
 * Validates one object against the schema of its apiVersion and kind; throws naming the
 * object and the field. An object of a kind with no schema here fails too: nothing is
 * passed unchecked.
 */
export function validateObject(object: RenderedObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = models[key];
  const name = `${key} ${object.metadata?.name ?? '(no name)'}`;
  if (Model === undefined) throw new Error(`${name}: no schema for this apiVersion and kind`);
  try {
    new Model(object as never).validate();
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}
