#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// Test-only OAuth 2.0 authorization server for the apitoken test suite.
// Built on oidc-provider (panva/node-oidc-provider) 8.x, which supports Node 20.
//
//   node tests/oidc/server.mjs --state DIR [--port PORT] [--tls CERT KEY]
//                              [--ttl SECONDS] [--user NAME] [--keep-old-keys]
//
// Listens on 127.0.0.1 only.  --port 0 (the default) picks a free port.  When
// listening it prints exactly one line "READY <issuer>" on stdout; everything
// else goes to stderr.  SIGTERM/SIGINT: clean exit.  SIGUSR2: key rotation.
// NEVER expose this server: /test/* is an unauthenticated control API.
// See README.md in this directory.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

// oidc-provider prints its notices with console.info (stdout); keep stdout for
// the READY line only.
console.info = (...a) => console.error(...a);
const log = (...a) => console.error(`[oidc-test ${new Date().toISOString()}]`, ...a);

// ---------------------------------------------------------------- options
function usage(msg) {
  if (msg) console.error(`server.mjs: ${msg}`);
  console.error('usage: node server.mjs --state DIR [--port PORT] [--tls CERT KEY] '
    + '[--ttl SECONDS] [--user NAME] [--keep-old-keys]');
  process.exit(2);
}

const opts = {
  port: 0, tls: null, state: null, ttl: 300, user: 'apitok-test', keepOldKeys: false,
};
{
  const argv = process.argv.slice(2);
  while (argv.length) {
    const a = argv.shift();
    const need = () => { if (!argv.length) usage(`${a} needs an argument`); return argv.shift(); };
    switch (a) {
      case '--port': opts.port = Number(need()); break;
      case '--tls': opts.tls = { cert: need(), key: need() }; break;
      case '--state': opts.state = need(); break;
      case '--ttl': opts.ttl = Number(need()); break;
      case '--user': opts.user = need(); break;
      case '--keep-old-keys': opts.keepOldKeys = true; break;
      case '-h': case '--help': usage();
      // fallthrough
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!opts.state) usage('--state DIR is required');
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) usage('bad --port');
  if (!Number.isInteger(opts.ttl) || opts.ttl < 1) usage('bad --ttl');
}

const { default: Provider } = await import('oidc-provider');

// ---------------------------------------------------------------- constants
const RESOURCES = ['urn:apitoken:test', 'urn:apitoken:other'];
const DEFAULT_RESOURCE = RESOURCES[0];
const RESOURCE_SCOPE = 'ssh imap smtp';
const USERNAME_CLAIM = 'preferred_username';
const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const USER_RE = /^[A-Za-z0-9._@+-]{1,64}$/;

const MAIL_GRANTS = ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token', 'client_credentials'];

// client id -> access token alg / format.  Secrets are random per state dir.
const CLIENT_DEFS = {
  'cli-rs256': { alg: 'RS256', format: 'jwt' },
  'cli-ps256': { alg: 'PS256', format: 'jwt' },
  'cli-es256': { alg: 'ES256', format: 'jwt' },
  'cli-eddsa': { alg: 'EdDSA', format: 'jwt' },
  'cli-opaque': { alg: 'RS256', format: 'opaque' },
  // a second client for "only the owner may revoke" and introspection by a
  // resource server
  'cli-rs': { alg: 'RS256', format: 'opaque' },
  // mail clients of `apitoken oauth`: the device flow and
  // refresh tokens (rotated: a reused refresh token revokes the grant),
  // confidential and public
  'cli-mail': { alg: 'RS256', format: 'jwt', grants: MAIL_GRANTS },
  'cli-mail-public': {
    alg: 'RS256', format: 'jwt', auth: 'none', grants: MAIL_GRANTS.slice(0, 2),
  },
  // a native app (RFC 8252): authorization code with PKCE on a loopback
  // redirect, any port; see /test/authorize
  'cli-mail-native': {
    alg: 'RS256', format: 'jwt', auth: 'none', native: true,
    grants: ['authorization_code', 'refresh_token'],
  },
};

// ---------------------------------------------------------------- state dir
fs.mkdirSync(opts.state, { recursive: true, mode: 0o700 });
const keysFile = path.join(opts.state, 'keys.json');
const clientsFile = path.join(opts.state, 'clients.json');

function writeFileAtomic(file, data, mode = 0o600) {
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, data, { mode });
  fs.renameSync(tmp, file);
}

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

function newKey(alg, generation) {
  let pair;
  switch (alg) {
    case 'RS256': case 'PS256': pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }); break;
    case 'ES256': pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }); break;
    case 'EdDSA': pair = crypto.generateKeyPairSync('ed25519'); break;
    default: throw new Error(`unsupported alg ${alg}`);
  }
  const jwk = pair.privateKey.export({ format: 'jwk' });
  const kid = `${alg.toLowerCase()}-${generation}-${crypto.randomBytes(4).toString('hex')}`;
  return { ...jwk, kid, alg, use: 'sig' };
}

// keys.json: { generation, current: { ALG: jwk }, retired: [jwk...] }
let keyState = readJson(keysFile);
if (!keyState) {
  keyState = { generation: 1, current: {}, retired: [] };
}
for (const alg of SIGNING_ALGS) {
  if (!keyState.current[alg]) keyState.current[alg] = newKey(alg, keyState.generation);
}
writeFileAtomic(keysFile, JSON.stringify(keyState, null, 1));

let clientSecrets = readJson(clientsFile) || {};
for (const id of Object.keys(CLIENT_DEFS)) {
  if (!clientSecrets[id]) clientSecrets[id] = crypto.randomBytes(24).toString('base64url');
}
writeFileAtomic(clientsFile, JSON.stringify(clientSecrets, null, 1));
// One curl config per client (curl -K FILE) and one bare secret file, so that
// secrets never need to appear on a command line.
fs.mkdirSync(path.join(opts.state, 'clients'), { recursive: true, mode: 0o700 });
for (const [id, secret] of Object.entries(clientSecrets)) {
  writeFileAtomic(path.join(opts.state, 'clients', `${id}.curl`), `user = "${id}:${secret}"\n`);
  writeFileAtomic(path.join(opts.state, 'clients', `${id}.secret`), secret); // no newline
}

function currentKids() {
  return Object.fromEntries(SIGNING_ALGS.map((alg) => [alg, keyState.current[alg].kid]));
}

function rotate({ keep = opts.keepOldKeys, algs = SIGNING_ALGS } = {}) {
  keyState.generation += 1;
  const old = [];
  for (const alg of algs) {
    old.push(keyState.current[alg]);
    keyState.current[alg] = newKey(alg, keyState.generation);
  }
  keyState.retired = keep ? [...keyState.retired, ...old] : [];
  writeFileAtomic(keysFile, JSON.stringify(keyState, null, 1));
  activate();
  log(`rotated keys (keep=${keep}):`, JSON.stringify(currentKids()));
  return { generation: keyState.generation, kids: currentKids(), retired: keyState.retired.map((k) => k.kid) };
}

// ---------------------------------------------------------------- adapter
// Small in-memory adapter shared by every Provider instance of this process,
// so that opaque tokens survive a key rotation (which builds a new Provider).
const storage = new Map();
class MemoryAdapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
    storage.set(this.key(id), { payload, expiresAt });
    if (payload.grantId) {
      const gk = `grant:${payload.grantId}`;
      storage.set(gk, { payload: [...(storage.get(gk)?.payload || []), this.key(id)] });
    }
    if (payload.userCode) storage.set(`userCode:${payload.userCode}`, { payload: id });
    if (payload.uid) storage.set(`uid:${payload.uid}`, { payload: id });
  }

  async find(id) {
    const e = storage.get(this.key(id));
    if (!e) return undefined;
    if (e.expiresAt && e.expiresAt < Date.now()) { storage.delete(this.key(id)); return undefined; }
    return e.payload;
  }

  async findByUserCode(code) { const e = storage.get(`userCode:${code}`); return e && this.find(e.payload); }

  async findByUid(uid) { const e = storage.get(`uid:${uid}`); return e && this.find(e.payload); }

  async consume(id) { const e = storage.get(this.key(id)); if (e) e.payload.consumed = Math.floor(Date.now() / 1000); }

  async destroy(id) { storage.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    const gk = `grant:${grantId}`;
    for (const k of storage.get(gk)?.payload || []) storage.delete(k);
    storage.delete(gk);
  }
}

// ---------------------------------------------------------------- provider
function requestParam(ctx, name) {
  const v = ctx?.oidc?.body?.[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function userFor(ctx, client) {
  const u = requestParam(ctx, 'test_user') || client?.apitoken_user || opts.user;
  return USER_RE.test(u) ? u : opts.user;
}

function buildProvider(issuer) {
  const clients = Object.entries(CLIENT_DEFS).map(([id, d]) => ({
    client_id: id,
    client_secret: clientSecrets[id],
    grant_types: d.grants || ['client_credentials'],
    response_types: d.native ? ['code'] : [],
    redirect_uris: d.native ? ['http://127.0.0.1/'] : [],
    ...(d.native ? { application_type: 'native' } : {}),
    token_endpoint_auth_method: d.auth || 'client_secret_basic',
    scope: d.grants ? `openid offline_access ${RESOURCE_SCOPE}` : RESOURCE_SCOPE,
    apitoken_at_alg: d.alg,
    apitoken_at_format: d.format,
  }));
  const jwks = { keys: [...SIGNING_ALGS.map((a) => keyState.current[a]), ...keyState.retired] };

  const configuration = {
    adapter: MemoryAdapter,
    clients,
    jwks,
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    extraClientMetadata: { properties: ['apitoken_at_alg', 'apitoken_at_format', 'apitoken_user'] },
    clientDefaults: { id_token_signed_response_alg: 'RS256' },
    claims: { openid: ['sub'] },
    scopes: ['openid', 'offline_access', ...RESOURCE_SCOPE.split(' ')],
    rotateRefreshToken: true,
    enabledJWA: {
      idTokenSigningAlgValues: SIGNING_ALGS,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      introspection: {
        enabled: true,
        // any authenticated (confidential) client may introspect
        allowedPolicy: async () => true,
      },
      revocation: {
        enabled: true,
        // only the client the token was issued to may revoke it
        allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => DEFAULT_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resource, client) => {
          if (!RESOURCES.includes(resource)) throw new Provider.errors.InvalidTarget();
          let alg = requestParam(ctx, 'test_alg') || client.apitoken_at_alg;
          if (!SIGNING_ALGS.includes(alg)) throw new Provider.errors.InvalidRequest('unsupported test_alg');
          const format = requestParam(ctx, 'test_format') || client.apitoken_at_format;
          if (format !== 'jwt' && format !== 'opaque') throw new Provider.errors.InvalidRequest('test_format must be jwt or opaque');
          const ttlParam = requestParam(ctx, 'test_ttl');
          let accessTokenTTL = opts.ttl;
          if (ttlParam !== undefined) {
            accessTokenTTL = Number(ttlParam);
            if (!Number.isInteger(accessTokenTTL) || accessTokenTTL < 1) throw new Provider.errors.InvalidRequest('bad test_ttl');
          }
          const info = {
            audience: resource, scope: RESOURCE_SCOPE, accessTokenTTL, accessTokenFormat: format,
          };
          if (format === 'jwt') info.jwt = { sign: { alg, kid: keyState.current[alg].kid } };
          return info;
        },
      },
    },
    ttl: {
      ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL || opts.ttl,
      AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL || opts.ttl,
      DeviceCode: () => deviceConf.ttl,
    },
    extraTokenClaims: async (ctx, token) => {
      const client = token.client || ctx?.oidc?.client;
      // a device-flow token names the account that approved it, and one
      // group, g-<account>, in "groups"
      if (token.accountId && USER_RE.test(token.accountId)) {
        return { [USERNAME_CLAIM]: token.accountId, groups: [`g-${token.accountId}`] };
      }
      return { [USERNAME_CLAIM]: userFor(ctx, client) };
    },
    formats: {
      customizers: {
        // test_sub_user=1: also put the user name into "sub" (normally the
        // client id for client_credentials tokens, as RFC 9068 says).
        jwt: async (ctx, token, jwt) => {
          if (requestParam(ctx, 'test_sub_user') === '1') jwt.payload.sub = jwt.payload[USERNAME_CLAIM];
        },
      },
    },
    renderError: async (ctx, out) => { ctx.type = 'json'; ctx.body = out; },
  };

  const provider = new Provider(issuer, configuration);
  // RFC 7662 "username" in introspection responses, next to preferred_username.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'introspection' && ctx.body?.active && ctx.body[USERNAME_CLAIM]) {
      ctx.body.username = ctx.body[USERNAME_CLAIM];
    }
    if (ctx.oidc?.route === 'device_authorization' && ctx.status === 200 && ctx.body && deviceConf.interval > 0) {
      ctx.body.interval = deviceConf.interval;
    }
  });
  // What the mail-client tests count: grants issued by type, refresh
  // tokens presented twice (each revokes its grant).
  provider.on('grant.success', (ctx) => {
    const gt = ctx.oidc?.params?.grant_type || '?';
    stats.grants[gt] = (stats.grants[gt] || 0) + 1;
    log(`grant.success grant_type=${gt} client=${ctx.oidc?.client?.clientId}`);
  });
  provider.on('grant.error', (ctx, err) => {
    if (/already used/.test(err?.error_description || '')) stats.reused += 1;
  });
  for (const ev of ['server_error', 'grant.error', 'introspection.error', 'revocation.error', 'jwks.error', 'discovery.error']) {
    provider.on(ev, (ctx, err) => log(`${ev}: ${err?.name}: ${err?.message}${err?.error_description ? ` (${err.error_description})` : ''}`));
  }
  return provider;
}

// ---------------------------------------------------------------- faults
// POST /test/fault mode=503|429|stall|close|invalid_grant|slow_down
// [count=N] [retry_after=S] [stall_ms=MS]: the next N token requests fail
// so.  "close" lets the provider answer (a refresh token is rotated and
// committed) and then closes the connection instead of sending it.
const stats = {
  grants: {}, reused: 0, faults: 0, requests: 0, device: { starts: 0, polls: [] },
};
// The device-flow login of pam_apitoken: POST /test/device/config
// interval=N (0: none in the answer, so clients use RFC 8628's 5 s) ttl=N
// (seconds a device code lives).  /test/stats counts every request outside
// /test/ (requests), device authorizations (device.starts, the last at
// device.started, ms) and the times of token-endpoint requests in ms
// (device.polls), for measured poll gaps.
const deviceConf = { interval: 0, ttl: 600 };
let faults = [];

function applyFault(req, res, f) {
  stats.faults += 1;
  log(`fault ${f.mode} on ${req.url}`);
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
  const answer = (status, obj) => { res.writeHead(status, headers); res.end(`${JSON.stringify(obj)}\n`); };
  switch (f.mode) {
    case '503': return answer(503, { error: 'temporarily_unavailable' });
    case '429': return answer(429, { error: 'slow_down' });
    case 'invalid_grant': return answer(400, { error: 'invalid_grant', error_description: 'injected' });
    case 'slow_down': return answer(400, { error: 'slow_down' });
    case 'stall':
      setTimeout(() => { if (!res.destroyed) answer(503, { error: 'temporarily_unavailable' }); }, f.stallMs);
      return undefined;
    case 'close':
      res.end = () => { req.socket.destroy(); return res; };
      res.write = () => { req.socket.destroy(); return false; };
      return providerHandler(req, res);
    default: return answer(500, { error: 'server_error' });
  }
}

async function approveDevice(params) {
  // Headless approval of a device code (RFC 8628) by its user code, as a
  // user would in a browser: a Grant for the account and client.
  const provider = currentProvider;
  const userCode = (params.get('user_code') || '').replace(/[^A-Z0-9]/gi, '').toUpperCase();
  const account = params.get('user') || opts.user;
  if (!USER_RE.test(account)) return { status: 400, body: { error: 'bad user' } };
  const code = await provider.DeviceCode.findByUserCode(userCode, { ignoreExpiration: false });
  if (!code) return { status: 404, body: { error: 'no such user_code' } };
  if (params.get('deny') === '1') {
    code.error = 'access_denied';
    code.errorDescription = 'denied by the test';
    await code.save();
    return { status: 200, body: { denied: true } };
  }
  const scope = code.scope || `openid offline_access ${RESOURCE_SCOPE}`;
  const grant = new provider.Grant({ accountId: account, clientId: code.clientId });
  grant.addOIDCScope(scope.split(' ').filter((x) => x === 'openid' || x === 'offline_access').join(' '));
  if (!code.resource) code.resource = DEFAULT_RESOURCE;
  for (const r of [].concat(code.resource)) grant.addResourceScope(r, RESOURCE_SCOPE);
  code.accountId = account;
  code.grantId = await grant.save();
  code.scope = scope;
  await code.save();
  return { status: 200, body: { approved: true, account, grantId: code.grantId } };
}

async function authorizeHeadless(params) {
  // The authorization endpoint with the user already signed in and
  // consenting (RFC 6749 4.1.1-4.1.2, PKCE S256 required): a Grant and an
  // authorization code, answered with the redirect to redirect_uri.
  const provider = currentProvider;
  const client = await provider.Client.find(params.get('client_id') || '');
  const redirectUri = params.get('redirect_uri') || '';
  const account = params.get('user') || opts.user;
  if (!client || !client.redirectUriAllowed(redirectUri)) return { status: 400, body: { error: 'bad client or redirect_uri' } };
  if (params.get('code_challenge_method') !== 'S256' || !params.get('code_challenge')) return { status: 400, body: { error: 'PKCE S256 required' } };
  const target = new URL(redirectUri);
  if (params.get('state')) target.searchParams.set('state', params.get('state'));
  if (params.get('deny') === '1') {
    target.searchParams.set('error', 'access_denied');
    return { status: 302, location: target.href };
  }
  const scope = params.get('scope') || `openid offline_access ${RESOURCE_SCOPE}`;
  const resource = params.get('resource') || DEFAULT_RESOURCE;
  const grant = new provider.Grant({ accountId: account, clientId: client.clientId });
  grant.addOIDCScope(scope.split(' ').filter((x) => x === 'openid' || x === 'offline_access').join(' '));
  grant.addResourceScope(resource, RESOURCE_SCOPE);
  const grantId = await grant.save();
  const code = new provider.AuthorizationCode({
    accountId: account, client, grantId, redirectUri, scope, resource,
    codeChallenge: params.get('code_challenge'), codeChallengeMethod: 'S256',
    authTime: Math.floor(Date.now() / 1000),
  });
  target.searchParams.set('code', await code.save());
  return { status: 302, location: target.href };
}

async function revokeGrants(clientId) {
  // Every grant of the client, as an administrator revoking consent.
  let n = 0;
  const adapter = new MemoryAdapter('Grant');
  for (const [k, e] of [...storage.entries()]) {
    if (k.startsWith('Grant:') && e.payload?.clientId === clientId) {
      const id = k.slice('Grant:'.length);
      await adapter.revokeByGrantId(id);
      storage.delete(k);
      n += 1;
    }
  }
  return n;
}

// ---------------------------------------------------------------- http
let issuer;
let currentProvider;
let providerHandler;
function activate() {
  currentProvider = buildProvider(issuer);
  providerHandler = currentProvider.callback();
}

function sendJson(res, status, obj) {
  const body = `${JSON.stringify(obj)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { data += c; if (data.length > 65536) req.destroy(); });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

async function testControl(req, res, url) {
  if (url.pathname === '/test/keys' && req.method === 'GET') {
    return sendJson(res, 200, { generation: keyState.generation, kids: currentKids(), retired: keyState.retired.map((k) => k.kid) });
  }
  if (url.pathname === '/test/rotate' && req.method === 'POST') {
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(await readBody(req))) params.set(k, v);
    const keep = params.has('keep') ? /^(1|true|yes)$/i.test(params.get('keep')) : opts.keepOldKeys;
    let algs = SIGNING_ALGS;
    if (params.get('alg')) {
      algs = params.get('alg').split(/[ ,]+/).filter(Boolean);
      if (!algs.every((a) => SIGNING_ALGS.includes(a))) return sendJson(res, 400, { error: 'unknown alg' });
    }
    return sendJson(res, 200, rotate({ keep, algs }));
  }
  if (['/test/fault', '/test/device/approve', '/test/revoke-grants', '/test/device/config'].includes(url.pathname) && req.method === 'POST') {
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(await readBody(req))) params.set(k, v);
    if (url.pathname === '/test/device/config') {
      for (const k of ['interval', 'ttl']) {
        if (!params.has(k)) continue;
        const v = Number(params.get(k));
        if (!Number.isInteger(v) || v < 0 || (k === 'ttl' && v < 1)) return sendJson(res, 400, { error: `bad ${k}` });
        deviceConf[k] = v;
      }
      stats.requests = 0;
      stats.device = { starts: 0, polls: [] };
      return sendJson(res, 200, deviceConf);
    }
    if (url.pathname === '/test/device/approve') {
      const { status, body } = await approveDevice(params);
      return sendJson(res, status, body);
    }
    if (url.pathname === '/test/revoke-grants') {
      return sendJson(res, 200, { revoked: await revokeGrants(params.get('client') || '') });
    }
    const mode = params.get('mode') || '';
    if (mode === 'clear') { faults = []; return sendJson(res, 200, { faults: 0 }); }
    if (!['503', '429', 'stall', 'close', 'invalid_grant', 'slow_down'].includes(mode)) return sendJson(res, 400, { error: 'unknown mode' });
    const count = Number(params.get('count') || 1);
    const f = { mode, stallMs: Number(params.get('stall_ms') || 15000) };
    if (params.has('retry_after')) f.retryAfter = Number(params.get('retry_after'));
    for (let i = 0; i < count; i += 1) faults.push(f);
    return sendJson(res, 200, { faults: faults.length });
  }
  if (url.pathname === '/test/stats' && req.method === 'GET') return sendJson(res, 200, stats);
  if (url.pathname === '/test/authorize' && req.method === 'GET') {
    const out = await authorizeHeadless(new URLSearchParams(url.search));
    if (out.status !== 302) return sendJson(res, out.status, out.body);
    res.writeHead(302, { location: out.location, 'cache-control': 'no-store' });
    return res.end();
  }
  if (url.pathname === '/test/down' && req.method === 'POST') {
    // An outage: stop listening (connections refused) for SECONDS, then
    // listen on the same port again; every grant is kept.
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(await readBody(req))) params.set(k, v);
    const secs = Number(params.get('seconds') || 10);
    const { port } = server.address();
    sendJson(res, 200, { down: secs });
    res.on('finish', () => {
      server.close();
      server.closeAllConnections();
      log(`down for ${secs}s`);
      setTimeout(() => server.listen(port, '127.0.0.1', () => log('up again')), secs * 1000);
    });
    return undefined;
  }
  return sendJson(res, 404, { error: 'not found' });
}

async function handle(req, res) {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname.startsWith('/test/')) return await testControl(req, res, url);
    stats.requests += 1;
    if (url.pathname === '/device/auth') { stats.device.starts += 1; stats.device.started = Date.now(); }
    if (url.pathname === '/token' && stats.device.polls.length < 10000) stats.device.polls.push(Date.now());
    if (url.pathname === '/token' && faults.length) return applyFault(req, res, faults.shift());
    // RFC 8414 metadata: oidc-provider only serves the OpenID discovery
    // document; the contents are the same, so serve that under this name too.
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      req.url = `/.well-known/openid-configuration${url.search}`;
    }
    return providerHandler(req, res);
  } catch (err) {
    log('request error', err);
    if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
    else res.destroy();
  }
  return undefined;
}

const server = opts.tls
  ? https.createServer({ cert: fs.readFileSync(opts.tls.cert), key: fs.readFileSync(opts.tls.key) }, handle)
  : http.createServer(handle);
server.keepAliveTimeout = 1000;

server.on('error', (err) => { log(`listen error: ${err.message}`); process.exit(1); });
server.listen(opts.port, '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  activate();
  fs.writeFileSync(path.join(opts.state, 'issuer'), `${issuer}\n`);
  log(`kids: ${JSON.stringify(currentKids())}`);
  process.stdout.write(`READY ${issuer}\n`);
});

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  log(`${sig}: shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGUSR2', () => { try { rotate(); } catch (e) { log('rotate failed', e); } });
