// The HTTP + server-sent-events transport of the WorkbenchApi, for a browser (and the UI tests):
//   GET  /?token=T            the renderer's index.html; sets the cookie pwb_token=T (HttpOnly, SameSite=Strict)
//   GET  /<path>              a file of the renderer build (nothing outside it: no '..', no symlinks out)
//   POST /api/call/<name>     body: the call's args as JSON (empty or null for none) → Reply JSON;
//                             200 ok, 400 VALIDATION/DATA, 404 NOT_FOUND or unknown call, 409 ConflictError,
//                             507 STORAGE (disk full, read-only), 413 body over 1 MB, 500 INTERNAL
//   GET  /api/events          text/event-stream: `event: <name>\ndata: <json>\n\n`, a comment every 15 s
// Every request needs the per-launch token (cookie, `Authorization: Bearer T` or `?token=T`), else
// 401; clients that are not on this machine get 403 unless remote access was asked for.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { ValidationError } from '../../src-shared/errors.ts';
import { checkJsonShape, decodeUtf8 } from '../../src-shared/validate.ts';
import {
  CALL_NAMES,
  type CallName,
  isCallName,
  type EventName,
  type Reply,
  type SerializedError,
  type WorkbenchApi,
} from '../../src-shared/workbench-api.ts';
import { dispatchCall } from '../../src-shared/workbench-args.ts';
import type { EventListener } from '../jobs/job-supervisor.ts';
import { CONTENT_SECURITY_POLICY } from '../../src-shared/content-security-policy.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Calls that carry files: a model to import (base64, so a third over its size). */
export const MAX_BODY_BYTES_FOR: Partial<Record<CallName, number>> = { importModel: 512 * 1024 * 1024 };
/**
 * The cookie holding the token is named per port (`pwb_token_<port>`): cookies are not port-scoped, so
 * another local server the browser visits would receive a shared name, and two workbenches would collide.
 */
export function tokenCookieName(port: number): string {
  return `pwb_token_${port}`;
}

/** The policy of every page the server sends: the app's own (src-shared/content-security-policy.ts), and no framing. */
export const HTTP_CONTENT_SECURITY_POLICY = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface HttpServerOptions {
  api: WorkbenchApi;
  subscribe: (listener: EventListener) => () => void;
  /** The renderer build folder (holds index.html). */
  rendererDir: string;
  /** Default 127.0.0.1. Anything but a loopback address needs allowRemote. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  allowRemote?: boolean;
  /** Default: 32 random bytes, hex. */
  token?: string;
  heartbeatMs?: number;
}

export interface RunningServer {
  /** `http://HOST:PORT/?token=T`: what to open in a browser. */
  url: string;
  origin: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/** HTTP status of a failed call. */
export function statusOf(error: SerializedError): number {
  if (error.name === 'ConflictError') return 409;
  switch (error.code) {
    case 'VALIDATION':
    case 'DATA':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'CANCELLED':
      return 409;
    case 'STORAGE':
      return 507;
    default:
      return 500;
  }
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowRemote) {
    throw new ValidationError(`--host ${host} is not a loopback address; the workbench listens on this machine only unless --allow-remote is given`);
  }
  const rendererRoot = realpathSync(options.rendererDir);
  const token = options.token ?? randomBytes(32).toString('hex');
  const tokenBytes = Buffer.from(token);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  const tokenOk = (candidate: string | undefined | null): boolean => {
    if (!candidate) return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // A client that went away mid-request (closed tab, cancelled fetch) is not a server error.
      if (req.destroyed || res.destroyed || isAbort(e)) {
        res.destroy();
        return;
      }
      const detail = process.env.PWB_DEBUG ? `\n${(e as Error).stack}` : ' (PWB_DEBUG=1 shows the stack)';
      console.error(`http: ${req.method} ${req.url}: ${(e as Error).message ?? e}${detail}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!options.allowRemote && !isLoopbackAddress(req.socket.remoteAddress)) {
      return sendJson(res, 403, { error: 'only clients on this machine may connect (start `pwb serve` with --allow-remote to change that)' });
    }
    const port = req.socket.localPort ?? 0;
    // DNS rebinding: a name that resolves to 127.0.0.1 still carries its own Host.
    if (!options.allowRemote && !isOwnHost(req.headers.host, port)) {
      return sendJson(res, 403, { error: `Host '${req.headers.host ?? ''}' is not this server; open the URL \`pwb serve\` printed (http://127.0.0.1:${port}/…)` });
    }
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');

    const fromQuery = query.get('token');
    const authorised = tokenOk(cookieToken(req.headers.cookie, tokenCookieName(port))) || tokenOk(bearerToken(req.headers.authorization)) || tokenOk(fromQuery);
    if (!authorised) return sendJson(res, 401, { error: 'missing or wrong token; open the URL `pwb serve` printed' });

    const method = req.method ?? 'GET';
    if (rawPath.startsWith('/api/')) {
      // The API answers the workbench's own pages only: a page of another origin (another local port is
      // same-site for cookies) gets nothing, even where the browser would send the cookie.
      const crossOrigin = crossOriginReason(req);
      if (crossOrigin) return sendJson(res, 403, { error: `cross-origin request refused (${crossOrigin})` });
      if (rawPath === '/api/events') {
        if (method !== 'GET') return sendJson(res, 405, { error: 'use GET for /api/events' }, { Allow: 'GET' });
        return openEventStream(req, res);
      }
      const name = rawPath.startsWith('/api/call/') ? rawPath.slice('/api/call/'.length) : null;
      if (name === null) return sendJson(res, 404, { error: `no such endpoint ${rawPath}` });
      if (method !== 'POST') return sendJson(res, 405, { error: `use POST for /api/call/${name}` }, { Allow: 'POST' });
      return call(req, res, name);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: `${method} is not allowed here` }, { Allow: 'GET, HEAD' });
    const cookie = tokenOk(fromQuery) && (rawPath === '/' || rawPath === '/index.html')
      ? `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`
      : null;
    return serveStatic(req, res, rawPath, cookie);
  }

  async function call(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!isCallName(name)) {
      return sendReply(res, 404, failure('NOT_FOUND', 'NotFoundError', `unknown call '${name}'; valid calls: ${CALL_NAMES.join(', ')}`));
    }
    let raw: Buffer;
    const limit = MAX_BODY_BYTES_FOR[name] ?? MAX_BODY_BYTES;
    try {
      raw = await readBody(req, limit);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return sendReply(res, 413, failure('VALIDATION', 'ValidationError', `${name}: request body is over ${limit} bytes`));
      }
      throw e;
    }
    let args: unknown;
    try {
      const body = decodeUtf8(raw, `${name}: the request body`);
      if (body.trim() !== '') {
        try {
          args = JSON.parse(body);
        } catch (e) {
          throw new ValidationError(`${name}: the request body is not valid JSON (${(e as Error).message})`);
        }
        checkJsonShape(args, `${name}: the request body`);
      }
    } catch (e) {
      return sendReply(res, 400, failure('VALIDATION', 'ValidationError', (e as Error).message));
    }
    const reply = await dispatchCall(options.api, name, args === null ? undefined : args);
    if (!reply.ok && reply.error.code === 'INTERNAL') console.error(`http: ${name} failed: ${reply.error.message}`);
    return sendReply(res, reply.ok ? 200 : statusOf(reply.error), reply);
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = options.subscribe((name: EventName, payload: unknown) => {
      res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    const end = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.once('close', end);
    res.once('close', end);
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, rawPath: string, cookie: string | null): void {
    const file = resolveInside(rendererRoot, rawPath === '/' ? '/index.html' : rawPath);
    if (file === null) return sendJson(res, 404, { error: `not found: ${rawPath}` });
    const ext = path.extname(file).toLowerCase();
    const type = CONTENT_TYPES[ext] ?? 'application/octet-stream';
    const headers: Record<string, string | number> = {
      'Content-Type': type,
      'Content-Length': statSync(file).size,
      'Content-Security-Policy': HTTP_CONTENT_SECURITY_POLICY,
      'Cache-Control': ext === '.html' ? 'no-store' : 'no-cache',
    };
    if (cookie) headers['Set-Cookie'] = cookie;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    server,
    async close() {
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/**
 * The real path of a file of `root` named by a URL path, or null: a segment that decodes to '.'
 * or '..', a backslash, a NUL, a path that is not a regular file, or one that (after symlinks)
 * leaves the root.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  if (!urlPath.startsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of urlPath.slice(1).split('/')) {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0')) return null;
    segments.push(s);
  }
  if (segments.length === 0) return null;
  let real: string;
  try {
    real = realpathSync(path.join(root, ...segments));
    if (!statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return real.startsWith(root + path.sep) ? real : null;
}

function cookieToken(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Whether `host` (the Host header) names this server: a loopback name or address with the port served. */
function isOwnHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!m) return false;
  const name = m[1]!.replace(/^\[|\]$/g, '');
  return isLoopbackHost(name) && Number(m[2] ?? 80) === port;
}

/** Why a request comes from another origin (its Origin or Sec-Fetch-Site says so), or null. */
function crossOriginReason(req: IncomingMessage): string | null {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${site}`;
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== `http://${req.headers.host}`) return `Origin: ${origin}`;
  return null;
}

/** A request the client aborted: its body stream errors with 'aborted' / ECONNRESET. */
function isAbort(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  return err?.code === 'ECONNRESET' || err?.code === 'ECONNABORTED' || err?.message === 'aborted';
}

function bearerToken(header: string | undefined): string | null {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  return m ? m[1]! : null;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new BodyTooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function failure(code: SerializedError['code'], name: string, message: string): Reply<never> {
  return { ok: false, error: { code, name, message } };
}

function sendReply(res: ServerResponse, status: number, reply: Reply<unknown>): void {
  sendJson(res, status, reply);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}
