import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Opens a TCP (or TLS) connection, failing after `timeoutMs`. */
export function openSocket(host: string, port: number, options: { tls?: boolean; timeoutMs?: number } = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const bare = host.replace(/^\[|\]$/g, '');
    const socket = options.tls ? tlsConnect({ host: bare, port, servername: bare }) : netConnect({ host: bare, port });
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(options.timeoutMs ?? 3_000, () =>
      fail(new Error(`no answer from ${host}:${port} within ${options.timeoutMs ?? 3_000} ms`)),
    );
    socket.once('error', fail);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      socket.setTimeout(0);
      socket.removeListener('error', fail);
      resolve(socket);
    });
  });
}
