import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@solstice/shared';

export interface ConnectionGuardOptions {
  /** MAX_CONNECTIONS. */
  max: number;
  log: Logger;
  /** Called for each connection closed to stay under `max`. */
  onShed: (reason: 'idle' | 'busy') => void;
}

/**
 * Keeps the open connections of `server` under `max`, in a way idle sockets cannot use up:
 * when a new connection would pass it, the connection that has gone longest without a request
 * in flight (one that never sent a request, or a keep-alive connection between requests) is
 * closed to make room. Only when every connection has a request in flight is the new one
 * closed instead. Without this, ~1,000 sockets that connect and send nothing exhausted the
 * process's file descriptors and every new connection failed, /readyz included (issue 13).
 * Logs once when shedding starts, and once when the count is back below 90% of `max`.
 */
export function guardConnections(server: Server, o: ConnectionGuardOptions): { count(): number } {
  // A Set iterates in insertion order: a connection moves to the end each time it turns idle,
  // so the first one is the one idle longest.
  const idle = new Set<Socket>();
  const busy = new Map<Socket, number>();
  let shed = 0;
  const count = () => idle.size + busy.size;

  const shedOne = (incoming: Socket): boolean => {
    const oldest = idle.values().next();
    if (shed === 0) {
      o.log.warn(
        { connections: count(), max: o.max },
        'MAX_CONNECTIONS reached: closing the connections idle longest to take new ones',
      );
    }
    shed++;
    if (oldest.done) {
      incoming.destroy();
      o.onShed('busy');
      return false;
    }
    idle.delete(oldest.value);
    oldest.value.destroy();
    o.onShed('idle');
    return true;
  };

  server.on('connection', (socket: Socket) => {
    if (count() >= o.max && !shedOne(socket)) return;
    idle.add(socket);
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
      if (!socket.destroyed) idle.add(socket);
    });
  });

  return { count };
}
