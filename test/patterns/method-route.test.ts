import { Testing } from 'cdk8s';
import { lessonGateway, onlyRoute, taskApiChart } from './util';
import { BackendRef, HttpMethod, MethodRoute, PathMatch } from '../../src';

const b = (name: string) => BackendRef.fromName(name, { port: 8000 });
const api = { type: 'PathPrefix', value: '/api/' };

describe('MethodRoute', () => {
  test('sends GET and HEAD to the read backends, POST, PUT, PATCH and DELETE to the write backends', () => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    new MethodRoute(chart, 'Methods', {
      metadata: { name: 'task-api-method' },
      parentRefs: lessonGateway(),
      path: PathMatch.pathPrefix('/api/'),
      readBackendRefs: [b('task-api-read-replica')],
      writeBackendRefs: [b('task-api-primary')],
    });
    // THEN
    expect(onlyRoute(chart)).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'task-api-method', namespace: 'task-api' },
      spec: {
        parentRefs: [{ name: 'task-api-gateway' }],
        rules: [
          {
            matches: [{ path: api, method: 'GET' }, { path: api, method: 'HEAD' }],
            backendRefs: [{ name: 'task-api-read-replica', port: 8000 }],
          },
          {
            matches: [{ path: api, method: 'POST' }, { path: api, method: 'PUT' }, { path: api, method: 'PATCH' }, { path: api, method: 'DELETE' }],
            backendRefs: [{ name: 'task-api-primary', port: 8000 }],
          },
        ],
      },
    });
  });

  test('takes other method lists and a backend for the remaining methods', () => {
    const chart = taskApiChart();
    const m = new MethodRoute(chart, 'Methods', {
      metadata: { name: 'r' },
      parentRefs: lessonGateway(),
      readMethods: [HttpMethod.GET],
      writeMethods: [HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE],
      readBackendRefs: [b('read')],
      writeBackendRefs: [b('write')],
      otherBackendRefs: [b('other')],
    });
    const all = { type: 'PathPrefix', value: '/' };
    expect(onlyRoute(chart).spec.rules).toStrictEqual([
      { matches: [{ path: all, method: 'GET' }], backendRefs: [{ name: 'read', port: 8000 }] },
      { matches: [{ path: all, method: 'POST' }, { path: all, method: 'PUT' }, { path: all, method: 'DELETE' }], backendRefs: [{ name: 'write', port: 8000 }] },
      { matches: [{ path: all }], backendRefs: [{ name: 'other', port: 8000 }] },
    ]);
    expect([m.readMethods, m.writeMethods]).toStrictEqual([['GET'], ['POST', 'PUT', 'DELETE']]);
    expect(m.route.node.id).toBe('Route');
  });

  test('fails on a method that is both a read and a write, or listed twice', () => {
    expect(() => new MethodRoute(Testing.chart(), 'A', { readMethods: [HttpMethod.GET, HttpMethod.POST], readBackendRefs: [b('r')], writeBackendRefs: [b('w')] }))
      .toThrow(/^test\/A: method POST is listed in both readMethods and writeMethods; list it once/);
    expect(() => new MethodRoute(Testing.chart(), 'B', { readMethods: [HttpMethod.GET, HttpMethod.GET], readBackendRefs: [b('r')], writeBackendRefs: [b('w')] }))
      .toThrow(/^test\/B: method GET is listed twice in readMethods; list it once/);
  });

  test('fails on empty method or backend lists', () => {
    expect(() => new MethodRoute(Testing.chart(), 'A', { readMethods: [], readBackendRefs: [b('r')], writeBackendRefs: [b('w')] }))
      .toThrow(/^test\/A: readMethods is empty; give at least one method/);
    expect(() => new MethodRoute(Testing.chart(), 'B', { readBackendRefs: [b('r')], writeBackendRefs: [] }))
      .toThrow(/^test\/B: writeBackendRefs is empty; give at least one backend for writes/);
    expect(() => new MethodRoute(Testing.chart(), 'C', { readBackendRefs: [b('r')], writeBackendRefs: [b('w')], otherBackendRefs: [] }))
      .toThrow(/^test\/C: otherBackendRefs is empty; give at least one backend, or leave otherBackendRefs out so methods other than "GET, HEAD, POST, PUT, PATCH, DELETE" get 404/);
  });
});
