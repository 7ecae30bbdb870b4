/**
 * AsyncAPI 2.6 and 3.0 documents, read for what the probes need: each channel's address and messages (payload
 * JSON Schema and examples), and each operation with its action, channel, messages and (3.0) reply. The two
 * versions differ where it matters (2.x `publish` means the application RECEIVES — the inverted names — and 3.0
 * separates a channel's key from its address), so both become one model here. Local `$ref`s are resolved; a
 * remote one, a non-JSON-Schema payload (Avro, RAML) or an unknown version is an error that names it, never a
 * silently unchecked message.
 */
import { loadJson, loadYaml } from '@gauntlet/action-kit';

export interface ContractMessage {
  readonly name: string;
  readonly payload?: unknown;
  readonly examples: readonly unknown[];
}

export interface ContractChannel {
  readonly key: string;
  readonly address: string;
  readonly messages: readonly ContractMessage[];
}

export interface ContractOperation {
  readonly name: string;
  /** From the application's point of view: it sends on the channel, or receives from it. */
  readonly action: 'send' | 'receive';
  readonly channel: string;
  readonly messages: readonly ContractMessage[];
  readonly reply?: { readonly channel: string; readonly messages: readonly ContractMessage[] };
}

export interface Contract {
  readonly origin: string;
  readonly version: '2' | '3';
  readonly channels: readonly ContractChannel[];
  readonly operations: readonly ContractOperation[];
}

export class ContractError extends Error {
  constructor(origin: string, path: string, problem: string) {
    super(`${origin}: ${path ? `${path}: ` : ''}${problem}`);
    this.name = 'ContractError';
  }
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const JSON_SCHEMA_FORMATS = [
  undefined,
  'application/schema+json;version=draft-07',
  'application/schema+yaml;version=draft-07',
  'application/vnd.aai.asyncapi;version=2.6.0',
  'application/vnd.aai.asyncapi+json;version=2.6.0',
  'application/vnd.aai.asyncapi+yaml;version=2.6.0',
  'application/vnd.aai.asyncapi;version=3.0.0',
  'application/vnd.aai.asyncapi+json;version=3.0.0',
  'application/vnd.aai.asyncapi+yaml;version=3.0.0',
];

export function parseAsyncApi(text: string, origin: string): Contract {
  const doc = text.trimStart().startsWith('{') ? loadJson(text, { origin }) : loadYaml(text, { origin });
  if (!isMap(doc)) throw new ContractError(origin, '', 'not an AsyncAPI document (expected a mapping)');
  const version = typeof doc.asyncapi === 'string' ? doc.asyncapi : JSON.stringify(doc.asyncapi ?? '');
  const resolver = new Resolver(origin, doc);
  if (/^2\.[0-6]\./.test(version)) return readV2(origin, doc, resolver);
  if (/^3\.0\./.test(version)) return readV3(origin, doc, resolver);
  throw new ContractError(
    origin,
    'asyncapi',
    `version ${JSON.stringify(version)} is not supported (2.0–2.6 and 3.0 are)`,
  );
}

class Resolver {
  constructor(
    private readonly origin: string,
    private readonly doc: Json,
  ) {}

  /** Follows `$ref: '#/…'` chains (at most 32 deep, so a cycle is an error, not a hang). */
  deref(value: unknown, path: string): unknown {
    let v = value;
    for (let hops = 0; isMap(v) && typeof v.$ref === 'string'; hops++) {
      if (hops > 32) throw new ContractError(this.origin, path, '$ref chain too long (a cycle?)');
      const ref = v.$ref;
      if (!ref.startsWith('#/'))
        throw new ContractError(this.origin, path, `remote $ref ${JSON.stringify(ref)} is not supported`);
      let cur: unknown = this.doc;
      for (const raw of ref.slice(2).split('/')) {
        const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
        if (!isMap(cur) || !Object.hasOwn(cur, key))
          throw new ContractError(this.origin, path, `$ref ${ref} points at nothing`);
        cur = cur[key];
      }
      v = cur;
    }
    return v;
  }

  /** A schema with every local $ref inside it inlined (bounded depth; recursive schemas stop at the bound). */
  inline(schema: unknown, path: string, depth = 0): unknown {
    if (depth > 64) throw new ContractError(this.origin, path, 'schema nested too deeply (a recursive $ref?)');
    const v = this.deref(schema, path);
    if (Array.isArray(v)) return v.map((x, i) => this.inline(x, `${path}[${i}]`, depth + 1));
    if (!isMap(v)) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.inline(x, `${path}.${k}`, depth + 1)]));
  }

  message(value: unknown, path: string, fallbackName: string): ContractMessage {
    const m = this.deref(value, path);
    if (!isMap(m)) throw new ContractError(this.origin, path, 'a message must be a mapping');
    const format = typeof m.schemaFormat === 'string' ? m.schemaFormat : undefined;
    let payload = m.payload;
    // 3.0 multi-format schema: { schemaFormat, schema }.
    let payloadFormat = format;
    if (isMap(payload) && 'schemaFormat' in payload && 'schema' in payload) {
      payloadFormat = String(payload.schemaFormat);
      payload = payload.schema;
    }
    if (!JSON_SCHEMA_FORMATS.includes(payloadFormat))
      throw new ContractError(
        this.origin,
        `${path}.payload`,
        `schema format ${payloadFormat} is not supported (JSON Schema and AsyncAPI schemas are)`,
      );
    const examples = Array.isArray(m.examples)
      ? m.examples.map((e: unknown): unknown => (isMap(e) && 'payload' in e ? e.payload : e))
      : [];
    return {
      name: typeof m.name === 'string' ? m.name : typeof m.messageId === 'string' ? m.messageId : fallbackName,
      ...(payload !== undefined ? { payload: this.inline(payload, `${path}.payload`) } : {}),
      examples,
    };
  }

  messages(value: unknown, path: string, fallbackName: string): ContractMessage[] {
    const v = this.deref(value, path);
    // 2.x: `message` is one message or `oneOf` a list.
    if (isMap(v) && Array.isArray(v.oneOf))
      return v.oneOf.map((m, i) => this.message(m, `${path}.oneOf[${i}]`, `${fallbackName}-${i + 1}`));
    return [this.message(v, path, fallbackName)];
  }
}

function readV2(origin: string, doc: Json, r: Resolver): Contract {
  const channels: ContractChannel[] = [];
  const operations: ContractOperation[] = [];
  for (const [address, raw] of Object.entries(isMap(doc.channels) ? doc.channels : {})) {
    const item = r.deref(raw, `channels.${address}`);
    if (!isMap(item)) continue;
    const all: ContractMessage[] = [];
    // 2.x names operations from the client's side: `publish` is what the application receives.
    for (const [verb, action] of [
      ['publish', 'receive'],
      ['subscribe', 'send'],
    ] as const) {
      const op = item[verb];
      if (!isMap(op)) continue;
      const path = `channels.${address}.${verb}`;
      const messages = op.message !== undefined ? r.messages(op.message, `${path}.message`, `${address}-${verb}`) : [];
      all.push(...messages);
      operations.push({
        name: typeof op.operationId === 'string' ? op.operationId : `${verb} ${address}`,
        action,
        channel: address,
        messages,
      });
    }
    channels.push({ key: address, address, messages: all });
  }
  return { origin, version: '2', channels, operations };
}

function readV3(origin: string, doc: Json, r: Resolver): Contract {
  const channels: ContractChannel[] = [];
  const byRef = new Map<string, ContractChannel>();
  for (const [key, raw] of Object.entries(isMap(doc.channels) ? doc.channels : {})) {
    const path = `channels.${key}`;
    const c = r.deref(raw, path);
    if (!isMap(c)) continue;
    const messages = Object.entries(isMap(c.messages) ? c.messages : {}).map(([name, m]) =>
      r.message(m, `${path}.messages.${name}`, name),
    );
    const channel = { key, address: typeof c.address === 'string' ? c.address : key, messages };
    channels.push(channel);
    byRef.set(`#/channels/${key}`, channel);
  }
  const channelOf = (v: unknown, path: string): ContractChannel => {
    const ref = isMap(v) && typeof v.$ref === 'string' ? v.$ref : undefined;
    const c = ref ? byRef.get(ref) : undefined;
    if (!c) throw new ContractError(origin, path, "must be a $ref to one of the document's channels");
    return c;
  };
  const pick = (list: unknown, c: ContractChannel, path: string): ContractMessage[] =>
    Array.isArray(list)
      ? list.map((m, i) => {
          const ref = isMap(m) && typeof m.$ref === 'string' ? m.$ref : '';
          const name = ref.split('/').pop() ?? '';
          return c.messages.find((x) => x.name === name) ?? r.message(m, `${path}[${i}]`, name || `message-${i + 1}`);
        })
      : [...c.messages];
  const operations: ContractOperation[] = [];
  for (const [name, raw] of Object.entries(isMap(doc.operations) ? doc.operations : {})) {
    const path = `operations.${name}`;
    const op = r.deref(raw, path);
    if (!isMap(op)) continue;
    if (op.action !== 'send' && op.action !== 'receive')
      throw new ContractError(origin, `${path}.action`, 'must be send or receive');
    const channel = channelOf(op.channel, `${path}.channel`);
    const reply = isMap(op.reply) ? op.reply : undefined;
    const replyChannel = reply?.channel !== undefined ? channelOf(reply.channel, `${path}.reply.channel`) : undefined;
    if (reply && isMap(reply.address))
      throw new ContractError(
        origin,
        `${path}.reply.address`,
        'runtime reply addresses are not supported; name a reply channel',
      );
    operations.push({
      name,
      action: op.action,
      channel: channel.address,
      messages: pick(op.messages, channel, `${path}.messages`),
      ...(replyChannel
        ? {
            reply: {
              channel: replyChannel.address,
              messages: pick(reply?.messages, replyChannel, `${path}.reply.messages`),
            },
          }
        : {}),
    });
  }
  return { origin, version: '3', channels, operations };
}
