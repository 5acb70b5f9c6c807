/**
 * The routing lesson's requests and who must answer them, per example app (section and variant), corrected by the
 * Gateway API spec where the lesson differs (see examples/README.md, "Where the lesson and the spec differ").
 *
 * Shared by the demo (`npm run demo`) and the end-to-end tests.
 */

/** One request and the backend that must answer it. */
export interface LessonRequest {
  readonly method?: string;
  readonly path: string;
  /** The Host header / :authority (default `localhost`). */
  readonly host?: string;
  readonly headers?: Record<string, string>;
  /** The listener port (default 80). */
  readonly port?: number;
  /** A gRPC call (HTTP/2, content-type application/grpc) to `path` = `/service/method`. */
  readonly grpc?: boolean;
  /** The Service that must answer; undefined when the gateway itself answers with `status`. */
  readonly backend?: string;
  /** The status the client must get (default 200). */
  readonly status?: number;
  /** For gRPC calls the gateway answers itself: the grpc-status it must send. */
  readonly grpcStatus?: number;
  /** Services that must also receive a copy of the request (RequestMirror). */
  readonly mirroredTo?: readonly string[];
  /** Send this many requests and check the split (backend -> expected share, 0..1). */
  readonly split?: { readonly requests: number; readonly shares: Record<string, number> };
  /** Why, in the lesson's words or the spec's. */
  readonly note?: string;
}

/** One example app (a section, or one variant of it) and the requests that exercise it. */
export interface LessonApp {
  readonly section: string;
  readonly variant?: string;
  readonly requests: readonly LessonRequest[];
}

export const LESSON: readonly LessonApp[] = [
  {
    section: 'path-matching',
    requests: [
      { path: '/api/v1/tasks', backend: 'task-api', note: 'Exact /api/v1/tasks' },
      { path: '/api/v1/tasks/123', backend: 'task-api', note: 'PathPrefix /api/v1/' },
      { path: '/api/v2/tasks', backend: 'task-api', note: 'RegularExpression /api/v[0-9]+/tasks' },
      { path: '/api/beta/tasks', status: 404, note: 'no rule matches' },
    ],
  },
  {
    section: 'header-routing',
    variant: 'header-version',
    requests: [
      { path: '/api/tasks', headers: { 'x-version': '2' }, backend: 'task-api-v2' },
      { path: '/api/tasks', backend: 'task-api-v1', note: 'no header' },
      { path: '/api/tasks', headers: { 'x-version': '1' }, backend: 'task-api-v1' },
    ],
  },
  {
    section: 'header-routing',
    variant: 'premium',
    requests: [
      { path: '/api/tasks', headers: { 'x-api-key': 'premium-abc123' }, backend: 'task-api-premium', note: 'header regex ^premium-.*' },
      { path: '/api/tasks', headers: { 'x-api-key': 'basic-xyz789' }, backend: 'task-api-standard' },
    ],
  },
  {
    section: 'header-routing',
    variant: 'beta',
    requests: [
      { path: '/api/tasks', headers: { 'x-beta-user': 'true' }, backend: 'task-api-beta' },
      { path: '/api/tasks', backend: 'task-api-stable' },
    ],
  },
  {
    section: 'query-params',
    requests: [
      { path: '/api/tasks?debug=true', backend: 'task-api-debug' },
      { path: '/api/tasks?tier=premium', backend: 'task-api-premium' },
      { path: '/api/tasks', backend: 'task-api' },
      { path: '/api/v2/tasks?experimental=enabled', backend: 'task-api-experimental', note: 'path and query combined' },
      { path: '/api/v1/tasks?experimental=enabled', backend: 'task-api', note: 'not under /api/v2/' },
    ],
  },
  {
    section: 'method-routing',
    requests: [
      { method: 'GET', path: '/api/tasks', backend: 'task-api-read-replica' },
      { method: 'POST', path: '/api/tasks', backend: 'task-api-primary' },
      { method: 'PUT', path: '/api/tasks/1', backend: 'task-api-primary' },
      { method: 'DELETE', path: '/api/tasks/1', backend: 'task-api-primary' },
      { method: 'PATCH', path: '/api/tasks/1', backend: 'task-api-primary', note: 'the lesson has no PATCH rule (404); MethodRoute adds it' },
      { method: 'HEAD', path: '/api/tasks', backend: 'task-api-read-replica', note: 'the lesson has no HEAD rule (404); MethodRoute adds it' },
    ],
  },
  {
    section: 'canary-rollout',
    variant: 'canary',
    requests: [
      { path: '/api/version', split: { requests: 400, shares: { 'task-api-stable': 0.9, 'task-api-canary': 0.1 } }, note: '90/10' },
    ],
  },
  {
    section: 'canary-rollout',
    variant: 'stage-2',
    requests: [
      { path: '/api/version', split: { requests: 400, shares: { 'task-api-stable': 0.75, 'task-api-canary': 0.25 } }, note: 'stage 2: 75/25' },
    ],
  },
  {
    section: 'canary-rollout',
    variant: 'stage-4',
    requests: [{ path: '/api/version', split: { requests: 100, shares: { 'task-api-canary': 1 } }, note: 'stage 4: complete rollout' }],
  },
  {
    section: 'canary-rollout',
    variant: 'blue-green-before',
    requests: [{ path: '/api/version', split: { requests: 100, shares: { 'task-api-blue': 1 } }, note: 'before cutover: 100/0' }],
  },
  {
    section: 'canary-rollout',
    variant: 'blue-green-after',
    requests: [{ path: '/api/version', split: { requests: 100, shares: { 'task-api-green': 1 } }, note: 'after cutover: 0/100' }],
  },
  {
    section: 'mirroring',
    requests: [
      { path: '/api/tasks', backend: 'task-api', mirroredTo: ['task-api-shadow'], note: 'shadow gets a copy, its answer is discarded' },
      { method: 'POST', path: '/api/tasks', backend: 'task-api', mirroredTo: ['task-api-shadow'] },
    ],
  },
  {
    section: 'rule-ordering',
    requests: [
      { path: '/api/v1/tasks/urgent', backend: 'task-api-urgent', note: 'Exact' },
      { path: '/api/v1/tasks/123', backend: 'task-api-read', note: 'RegularExpression' },
      { path: '/api/v1/tasks', backend: 'task-api', note: 'PathPrefix' },
      { path: '/api/v1/tasks/new', backend: 'task-api', note: 'PathPrefix' },
      { path: '/health', backend: 'default-backend', note: 'catch-all' },
      { path: '/api/health', backend: 'health-checker', note: 'the "ordering mistake": Exact wins whatever the order' },
    ],
  },
  {
    section: 'grpc-route',
    requests: [
      { grpc: true, port: 50051, path: '/task.TaskService/GetTask', backend: 'task-grpc-read', note: 'method regex Get.* (the lesson\'s Get* would not match)' },
      { grpc: true, port: 50051, path: '/task.TaskService/CreateTask', backend: 'task-grpc-write' },
      { grpc: true, port: 50051, path: '/task.TaskService/DeleteTask', backend: 'task-grpc-service', note: 'service-level rule' },
      { grpc: true, port: 50051, path: '/other.Service/Call', grpcStatus: 12, note: 'no rule matches: UNIMPLEMENTED' },
    ],
  },
  {
    section: 'exercises',
    variant: 'exercise-1',
    requests: [{ path: '/api/tasks', backend: 'task-api' }],
  },
  {
    section: 'exercises',
    variant: 'exercise-2',
    requests: [
      { path: '/api/tasks', headers: { 'x-version': '2' }, backend: 'task-api-v2' },
      { path: '/api/tasks', backend: 'task-api-v1' },
    ],
  },
  {
    section: 'exercises',
    variant: 'exercise-3',
    requests: [{ path: '/api/tasks', split: { requests: 400, shares: { 'task-api-stable': 0.9, 'task-api-canary': 0.1 } } }],
  },
  {
    section: 'exercises',
    variant: 'exercise-4',
    requests: [
      { path: '/api/tasks?debug=true', backend: 'task-api-debug' },
      { path: '/api/tasks', backend: 'task-api' },
    ],
  },
  {
    section: 'multi-service',
    variant: 'step-3',
    requests: [
      { path: '/users/42', backend: 'user-api' },
      { path: '/notifications', backend: 'notification-api' },
      { path: '/tasks/urgent', backend: 'urgent-task-api', note: 'exact override' },
      { path: '/tasks/7', split: { requests: 400, shares: { 'task-api-stable': 0.95, 'task-api-canary': 0.05 } }, note: '95/5 canary' },
    ],
  },
];
