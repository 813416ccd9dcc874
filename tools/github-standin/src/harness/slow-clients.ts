import { connect, type Socket } from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A connection held open by the client side, and what the server did with it. */
export interface HeldConnection {
  socket: Socket;
  /** The first answer, once it came whole (never, if none does). */
  answer: Promise<Answer>;
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
  const answer = new Promise<Answer>((resolve) => {
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
      const body = Buffer.from(text.slice(end + 4), 'latin1');
      // The whole body, when the answer says how long it is.
      if (body.length < Number(headers['content-length'] ?? 0)) return;
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8') });
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
