import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@solstice/shared';

export interface ConnectionGuardOptions {
  /** MAX_CONNECTIONS. */
  max: number;
  /** How long a connection may sit without a request before it can be shed for a new one. */
  graceMs: number;
  log: Logger;
  /** Called for each connection closed to stay under `max`: an idle one, or the new one. */
  onShed: (closed: 'idle' | 'new') => void;
  now?: () => number;
}

/**
 * Keeps the open connections of `server` under `max`, in a way idle sockets cannot use up:
 * when a new connection would pass it, the connection that has gone longest without a request
 * in flight (one that never sent a request, or a keep-alive connection between requests) is
 * closed to make room, once it has been idle `graceMs`. When none has (a burst of new
 * connections, or every connection has a request in flight), the new one is closed instead.
 * Without this, ~1,100 sockets that connected and sent nothing used up the process's file
 * descriptors and every new connection failed, /readyz included (issue 13).
 * Logs once when shedding starts, and once when the count is back below 90% of `max`.
 */
export function guardConnections(
  server: Server,
  o: ConnectionGuardOptions,
): { count(this: void): number } {
  const now = o.now ?? (() => performance.now());
  // Idle connections and since when; a Map iterates in insertion order, and a connection is
  // (re)inserted each time it turns idle, so the first one is the one idle longest.
  const idle = new Map<Socket, number>();
  const busy = new Map<Socket, number>();
  let shed = 0;
  const count = () => idle.size + busy.size;

  /** Makes room for `incoming`; false when it was closed instead. */
  const makeRoom = (incoming: Socket): boolean => {
    if (shed++ === 0) {
      o.log.warn(
        { connections: count(), max: o.max },
        'MAX_CONNECTIONS reached: closing connections that sit without a request to take new ones',
      );
    }
    const first = idle.entries().next();
    if (first.done || now() - first.value[1] < o.graceMs) {
      incoming.destroy();
      o.onShed('new');
      return false;
    }
    const [oldest] = first.value;
    idle.delete(oldest);
    oldest.destroy();
    o.onShed('idle');
    return true;
  };

  server.on('connection', (socket: Socket) => {
    if (count() >= o.max && !makeRoom(socket)) return;
    idle.set(socket, now());
    socket.once('close', () => {
      idle.delete(socket);
      busy.delete(socket);
      if (shed > 0 && count() < o.max * 0.9) {
        o.log.info({ connections: count(), shed }, 'connections below MAX_CONNECTIONS again');
        shed = 0;
      }
    });
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    idle.delete(socket);
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) {
        busy.set(socket, left);
        return;
      }
      busy.delete(socket);
      if (!socket.destroyed) idle.set(socket, now());
    });
  });

  return { count };
}
