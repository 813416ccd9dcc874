import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type {
  IScaledObject,
  ITriggerAuthentication,
} from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { keysFor, parseAddr } from '@solstice/shared';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IContainer, INamespace, IService } from 'kubernetes-models/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { kustomizeVersion, renderKustomize, type RenderedObject } from './render-kustomize.js';
import { validateObject } from './validate-object.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const stages = ['receiver', 'expander', 'publisher', 'reporter'] as const;
type Stage = (typeof stages)[number];
/** The stream each stage reads and its consumer group (DESIGN.md: named after the stage). */
const input = { expander: 'events', publisher: 'jobs', reporter: 'checks' } as const;

function ofKind<T>(objects: RenderedObject[], kind: string): (T & RenderedObject)[] {
  return objects.filter((o) => o.kind === kind) as (T & RenderedObject)[];
}

function named<T extends RenderedObject>(objects: T[], name: string): T {
  const found = objects.find((o) => o.metadata.name === name);
  if (found === undefined)
    throw new Error(`no ${name} among ${objects.map((o) => o.metadata.name).join(',')}`);
  return found;
}

function stageContainer(deployment: IDeployment): IContainer {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>) {
  return (
    selector !== undefined &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels[k] === v)
  );
}

/** Secret name → keys, as the manifests use them (volumes, env, KEDA authentication). */
function secretsUsed(objects: RenderedObject[]): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const add = (name: string, key: string) => used.set(name, (used.get(name) ?? new Set()).add(key));
  for (const d of ofKind<IDeployment>(objects, 'Deployment')) {
    const pod = d.spec!.template.spec!;
    for (const v of pod.volumes ?? []) {
      for (const item of v.secret?.items ?? []) add(v.secret!.secretName!, item.key);
    }
    for (const c of pod.containers) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) add(ref.name!, ref.key);
      }
    }
  }
  for (const t of ofKind<ITriggerAuthentication>(objects, 'TriggerAuthentication')) {
    for (const ref of t.spec?.secretTargetRef ?? []) add(ref.name, ref.key);
  }
  return used;
}

/** The table of Secrets in the README's "Run on Kubernetes" section: name → keys. */
async function secretsDocumented(): Promise<Map<string, Set<string>>> {
  const readme = await readFile(`${root}README.md`, 'utf8');
  const section = readme.split(/^## Run on Kubernetes$/m)[1]?.split(/^## /m)[0];
  if (section === undefined) throw new Error('README.md has no "## Run on Kubernetes" section');
  const documented = new Map<string, Set<string>>();
  for (const row of section.matchAll(/^\| `(solstice-[a-z-]+)` \| ([^|]+) \|/gm)) {
    documented.set(row[1]!, new Set([...row[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
  }
  return documented;
}

describe('deploy/ (Kubernetes): rendered with kubectl kustomize, validated against the schemas', () => {
  // Rendered once; every test awaits it, so without kubectl each test fails with the reason.
  let rendered: Promise<{ base: RenderedObject[]; example: RenderedObject[] }>;
  beforeAll(() => {
    rendered = (async () => {
      const version = await kustomizeVersion();
      if (!/^v5\./.test(version)) {
        throw new Error(
          `kubectl carries kustomize ${version}; deploy/ needs v5 (components, labels)`,
        );
      }
      return {
        base: await renderKustomize(`${root}deploy/base`),
        example: await renderKustomize(`${root}deploy/overlays/example`),
      };
    })();
    rendered.catch(() => undefined);
  });

  it('validates every rendered object against the Kubernetes and KEDA schemas', async () => {
    const { base, example } = await rendered;
    expect(base.length).toBeGreaterThan(10);
    for (const object of [...base, ...example]) validateObject(object);
    expect(new Set(example.map((o) => o.kind))).toEqual(
      new Set([
        'Namespace',
        'ServiceAccount',
        'ConfigMap',
        'Service',
        'Deployment',
        'PodDisruptionBudget',
        'Ingress',
        'ScaledObject',
        'TriggerAuthentication',
      ]),
    );
  });

  it('rejects an object with a broken field, so the validation is not a no-op', async () => {
    const { base, example } = await rendered;
    const deployment = structuredClone(
      named(ofKind<IDeployment>(base, 'Deployment'), 'solstice-receiver'),
    );
    deployment.spec!.template.spec!.containers[0]!.ports![0]!.containerPort = '8082' as never;
    expect(() => validateObject(deployment)).toThrow(/containerPort must be integer/);

    const scaled = structuredClone(
      named(ofKind<IScaledObject>(example, 'ScaledObject'), 'solstice-expander'),
    );
    // KEDA's trigger metadata is a map of strings: an unquoted number is refused.
    scaled.spec.triggers[0]!.metadata['lagCount'] = 20 as never;
    expect(() => validateObject(scaled)).toThrow(/lagCount must be string/);

    const noTriggers = structuredClone(scaled) as RenderedObject;
    delete (noTriggers['spec'] as Record<string, unknown>)['triggers'];
    expect(() => validateObject(noTriggers)).toThrow(/must have required property triggers/);

    expect(() =>
      validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toThrow(/no schema/);
  });

  it('runs each stage from the one image with its own start command', async () => {
    const { base, example } = await rendered;
    for (const objects of [base, example]) {
      const deployments = ofKind<IDeployment>(objects, 'Deployment');
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
        stages.map((s) => `solstice-${s}`).sort(),
      );
      const images = new Set(deployments.map((d) => stageContainer(d).image));
      expect(images.size).toBe(1);
      for (const stage of stages) {
        const container = stageContainer(named(deployments, `solstice-${stage}`));
        expect(container.command).toEqual(['node', `services/${stage}/dist/main.js`]);
        expect(existsSync(`${root}services/${stage}/src/main.ts`), stage).toBe(true);
      }
    }
    const image = stageContainer(ofKind<IDeployment>(example, 'Deployment')[0]!).image;
    expect(image).toBe('registry.example.com/solstice-github:0.1.0');
  });

  it('probes /healthz (liveness) and /readyz (readiness) on the port the program listens on', async () => {
    const { base } = await rendered;
    for (const stage of stages) {
      const container = stageContainer(
        named(ofKind<IDeployment>(base, 'Deployment'), `solstice-${stage}`),
      );
      // The receiver serves them on HTTP_ADDR, the other stages on METRICS_ADDR.
      const addr = envValue(container, stage === 'receiver' ? 'HTTP_ADDR' : 'METRICS_ADDR');
      const listening = parseAddr(addr ?? '');
      expect(listening, `${stage}: its listen address`).toBeDefined();
      const portOf = (port: string | number | undefined) =>
        typeof port === 'number'
          ? port
          : container.ports?.find((p) => p.name === port)?.containerPort;
      expect(container.livenessProbe?.httpGet?.path, stage).toBe('/healthz');
      expect(container.readinessProbe?.httpGet?.path, stage).toBe('/readyz');
      expect(portOf(container.livenessProbe?.httpGet?.port), stage).toBe(listening!.port);
      expect(portOf(container.readinessProbe?.httpGet?.port), stage).toBe(listening!.port);
      if (container.startupProbe) {
        expect(portOf(container.startupProbe.httpGet?.port), stage).toBe(listening!.port);
      }
    }
  });

  it('scrapes /metrics on METRICS_ADDR of every stage, the receiver included (not its webhook port)', async () => {
    const { base } = await rendered;
    for (const stage of stages) {
      const deployment = named(ofKind<IDeployment>(base, 'Deployment'), `solstice-${stage}`);
      const container = stageContainer(deployment);
      const metrics = parseAddr(envValue(container, 'METRICS_ADDR') ?? '');
      expect(metrics, `${stage}: METRICS_ADDR`).toBeDefined();
      const annotations = deployment.spec!.template.metadata!.annotations!;
      expect(annotations['prometheus.io/port'], stage).toBe(String(metrics!.port));
      expect(
        container.ports?.some((p) => p.containerPort === metrics!.port),
        stage,
      ).toBe(true);
      if (stage === 'receiver') {
        expect(metrics!.port).not.toBe(parseAddr(envValue(container, 'HTTP_ADDR')!)!.port);
      }
    }
  });

  it('runs every container non-root, read-only, without privileges, with requests and limits', async () => {
    const { example } = await rendered;
    for (const d of ofKind<IDeployment>(example, 'Deployment')) {
      const pod = d.spec!.template.spec!;
      const c = stageContainer(d);
      const name = d.metadata.name;
      expect(pod.securityContext?.runAsNonRoot ?? c.securityContext?.runAsNonRoot, name).toBe(true);
      // A numeric non-zero uid: the image's user is a name, which runAsNonRoot cannot check.
      expect(pod.securityContext?.runAsUser ?? c.securityContext?.runAsUser, name).toBeGreaterThan(
        0,
      );
      expect(c.securityContext?.readOnlyRootFilesystem, name).toBe(true);
      expect(c.securityContext?.allowPrivilegeEscalation, name).toBe(false);
      expect(c.securityContext?.capabilities?.drop, name).toEqual(['ALL']);
      expect(c.securityContext?.capabilities?.add, name).toBeUndefined();
      const seccomp = c.securityContext?.seccompProfile ?? pod.securityContext?.seccompProfile;
      expect(seccomp?.type, name).toBe('RuntimeDefault');
      expect(pod.automountServiceAccountToken, name).toBe(false);
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(c.resources?.[kind] ?? {}).sort(), `${name} ${kind}`).toEqual([
          'cpu',
          'memory',
        ]);
      }
      for (const v of pod.volumes ?? []) {
        expect(v.secret, `${name}: volume ${v.name} is a Secret`).toBeDefined();
      }
    }
    const namespace = ofKind<INamespace>(example, 'Namespace')[0]!;
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('gives the App key and the webhook secret as files from Secrets, never as environment', async () => {
    const { example } = await rendered;
    const fileOf: Record<Stage, string[]> = {
      receiver: ['GITHUB_APP_KEY_PATH', 'GITHUB_WEBHOOK_SECRET_FILE'],
      expander: ['GITHUB_APP_KEY_PATH'],
      publisher: [],
      reporter: ['GITHUB_APP_KEY_PATH'],
    };
    for (const stage of stages) {
      const d = named(ofKind<IDeployment>(example, 'Deployment'), `solstice-${stage}`);
      const pod = d.spec!.template.spec!;
      const c = stageContainer(d);
      const names = (c.env ?? []).map((e) => e.name);
      for (const forbidden of ['GITHUB_APP_KEY', 'GITHUB_WEBHOOK_SECRET', 'WEBHOOK_SECRET']) {
        expect(names, `${stage} has no ${forbidden} variable`).not.toContain(forbidden);
      }
      expect(names.filter((n) => n.endsWith('_PATH') || n.endsWith('_FILE')).sort()).toEqual(
        [...fileOf[stage]].sort(),
      );
      for (const variable of fileOf[stage]) {
        const path = envValue(c, variable)!;
        const mount = c.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
        expect(mount, `${stage} ${variable}=${path} is inside a mount`).toBeDefined();
        expect(mount!.readOnly).toBe(true);
        const volume = pod.volumes?.find((v) => v.name === mount!.name);
        const file = path.slice(mount!.mountPath.length + 1);
        expect(
          volume?.secret?.items?.map((i) => i.path),
          `${stage} ${variable}`,
        ).toContain(file);
        // Readable by the pod's group only (fsGroup), not by every user: 0440.
        expect(volume?.secret?.defaultMode).toBe(0o440);
        expect(pod.securityContext?.fsGroup).toBeDefined();
      }
      // The only values from Secrets in the environment are the connection URLs (ioredis and
      // amqplib take them whole); the App key and the webhook secret are files.
      const fromSecrets = (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name);
      expect(fromSecrets.sort()).toEqual(
        stage === 'publisher' || stage === 'reporter' ? ['AMQP_URL', 'REDIS_URL'] : ['REDIS_URL'],
      );
      expect(c.envFrom?.every((from) => from.secretRef === undefined)).toBe(true);
    }
  });

  it('keeps only plain settings in the ConfigMap, and every stage reads the rendered one', async () => {
    const { base, example } = await rendered;
    for (const objects of [base, example]) {
      const configMaps = ofKind<IConfigMap>(objects, 'ConfigMap');
      expect(configMaps).toHaveLength(1);
      const settings = configMaps[0]!;
      for (const [key, value] of Object.entries(settings.data ?? {})) {
        expect(key, 'no secret in the ConfigMap').not.toMatch(/SECRET|PASSWORD|TOKEN|_KEY$/);
        expect(value, key).not.toMatch(/:\/\/[^/\s]*:[^/\s]*@|PRIVATE KEY/);
      }
      for (const d of ofKind<IDeployment>(objects, 'Deployment')) {
        const refs = stageContainer(d).envFrom?.map((from) => from.configMapRef?.name);
        expect(refs, d.metadata.name).toEqual([settings.metadata.name]);
      }
    }
    const data = ofKind<IConfigMap>(example, 'ConfigMap')[0]!.data!;
    expect(data['GITHUB_APP_ID']).toMatch(/^\d+$/);
    expect(data['NODE_ENV']).toBe('production');
  });

  it('covers every Deployment with a PodDisruptionBudget that lets one copy go at a time', async () => {
    const { base } = await rendered;
    const budgets = ofKind<IPodDisruptionBudget>(base, 'PodDisruptionBudget');
    for (const d of ofKind<IDeployment>(base, 'Deployment')) {
      const labels = d.spec!.template.metadata!.labels!;
      const covering = budgets.filter((b) => matches(b.spec?.selector?.matchLabels, labels));
      expect(covering, d.metadata.name).toHaveLength(1);
      expect(covering[0]!.spec!.maxUnavailable).toBe(1);
      expect(covering[0]!.spec!.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
      // Each selector picks only its own stage's pods.
      expect(matches(d.spec!.selector.matchLabels, labels)).toBe(true);
    }
  });

  it('routes only the webhook path through the Ingress and the Service to the receiver', async () => {
    const { example } = await rendered;
    const receiver = named(ofKind<IDeployment>(example, 'Deployment'), 'solstice-receiver');
    const service = named(ofKind<IService>(example, 'Service'), 'solstice-receiver');
    expect(ofKind<IService>(example, 'Service')).toHaveLength(1);
    expect(matches(service.spec?.selector, receiver.spec!.template.metadata!.labels!)).toBe(true);
    const target = service.spec!.ports![0]!.targetPort;
    expect(stageContainer(receiver).ports?.some((p) => p.name === target)).toBe(true);

    const ingress = named(ofKind<IIngress>(example, 'Ingress'), 'solstice-receiver');
    const paths = ingress.spec!.rules!.flatMap((r) => r.http?.paths ?? []);
    expect(paths.map((p) => [p.path, p.pathType])).toEqual([['/webhooks/github', 'Exact']]);
    expect(paths[0]!.backend.service?.name).toBe(service.metadata.name);
    expect(paths[0]!.backend.service?.port?.name).toBe(service.spec!.ports![0]!.name);
    expect(ingress.spec!.rules![0]!.host).toBe('ci.example.com');
    expect(ingress.spec!.tls?.[0]?.hosts).toEqual(['ci.example.com']);
  });

  it('scales each stream stage on its consumer group lag and the receiver on CPU (KEDA)', async () => {
    const { base, example } = await rendered;
    expect(ofKind<IScaledObject>(base, 'ScaledObject'), 'KEDA is a component').toHaveLength(0);
    const deployments = ofKind<IDeployment>(example, 'Deployment');
    const scaled = ofKind<IScaledObject>(example, 'ScaledObject');
    const auths = ofKind<ITriggerAuthentication>(example, 'TriggerAuthentication');
    const prefix = ofKind<IConfigMap>(example, 'ConfigMap')[0]!.data!['STREAM_PREFIX']!;
    const keys = keysFor(prefix);
    expect(scaled).toHaveLength(stages.length);

    for (const stage of stages) {
      const deployment = named(deployments, `solstice-${stage}`);
      // The autoscaler owns the copy count: a fixed one would be reset on each apply.
      expect(deployment.spec!.replicas, stage).toBeUndefined();
      const targeting = scaled.filter(
        (s) => s.spec.scaleTargetRef.name === deployment.metadata.name,
      );
      expect(targeting, stage).toHaveLength(1);
      const spec = targeting[0]!.spec;
      expect(spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
      expect(spec.minReplicaCount, stage).toBeGreaterThanOrEqual(stage === 'receiver' ? 2 : 1);
      expect(spec.maxReplicaCount, stage).toBeGreaterThan(spec.minReplicaCount!);
      expect(spec.triggers, stage).toHaveLength(1);
      const trigger = spec.triggers[0]!;

      if (stage === 'receiver') {
        expect(trigger.type).toBe('cpu');
        expect(trigger.metricType).toBe('Utilization');
        expect(Number(trigger.metadata['value'])).toBeGreaterThan(0);
        expect(stageContainer(deployment).resources?.requests?.['cpu']).toBeDefined();
        continue;
      }
      expect(trigger.type).toBe('redis-streams');
      expect(trigger.metadata['stream']).toBe(keys[input[stage]]);
      expect(trigger.metadata['consumerGroup']).toBe(stage);
      expect(trigger.metadata['lagCount']).toMatch(/^[1-9]\d*$/);
      expect(trigger.metadata).not.toHaveProperty('pendingEntriesCount');
      expect(trigger.metadata).not.toHaveProperty('password');
      // The Redis address and password come from the Secret that holds REDIS_URL.
      const auth = named(auths, trigger.authenticationRef!.name);
      const redisUrlRef = stageContainer(deployment).env?.find((e) => e.name === 'REDIS_URL')
        ?.valueFrom?.secretKeyRef;
      const params = Object.fromEntries(
        (auth.spec.secretTargetRef ?? []).map((r) => [r.parameter, r.name]),
      );
      expect(params).toEqual({ address: redisUrlRef!.name, password: redisUrlRef!.name });
    }
  });

  it('uses exactly the Secrets and keys that the README tells to create', async () => {
    const { example } = await rendered;
    const documented = await secretsDocumented();
    const used = secretsUsed(example);
    expect([...used.keys()].sort()).toEqual([...documented.keys()].sort());
    for (const [name, keys] of used) {
      expect([...keys].sort(), name).toEqual([...documented.get(name)!].sort());
    }
    expect(ofKind(example, 'Secret'), 'no Secret is committed').toHaveLength(0);
  });
});
