import { connect, type Socket } from 'node:net';

/** A connection held open by the client side, and what the server did with it. */
export interface HeldConnection {
  socket: Socket;
  /** The status line and headers of the first answer, once it comes (never, if none does). */
  answer: Promise<{ status: number; headers: Record<string, string> }>;
  /** Settles when the connection is closed (by the server, or by `socket.destroy()`). */
  closed: Promise<void>;
  isClosed(): boolean;
}

/**
 * Opens a TCP connection to `url`'s host and port and writes `head` (nothing: an idle socket
 * that never sends a request), then holds it: the way a slow or hostile client ties up a server.
 */
export function holdConnection(url: string, head: string | Buffer = ''): HeldConnection {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on('error', () => undefined); // a reset by the server is what some tests wait for
  let closed = false;
  const closing = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  const answer = new Promise<{ status: number; headers: Record<string, string> }>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers });
    });
  });
  if (head.length > 0) socket.write(head);
  return { socket, answer, closed: closing, isClosed: () => closed };
}

/**
 * The head of a POST to `url`: request line, headers, blank line. Write less body after it than
 * `content-length` declares for a request whose body stalls.
 */
export function requestHead(url: string, headers: Record<string, string | number>): string {
  const { host, pathname } = new URL(url);
  const lines = [`POST ${pathname} HTTP/1.1`, `host: ${host}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return lines.join('\r\n') + '\r\n\r\n';
}
