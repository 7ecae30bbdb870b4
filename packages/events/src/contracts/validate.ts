/**
 * Every observed message checked against its contract: the payload must be JSON and match one of the channel's
 * message schemas (ajv, compiled once per schema). A failure gives the JSON pointer that failed and why, for the
 * verdict. Schemas come from the user's own contract, but their sizes are bounded by the document loader.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { bodyJson, type ObservedEvent } from '../model.js';
import type { Contract, ContractMessage } from './asyncapi.js';

export type ContractCheck = { ok: true; message: string } | { ok: false; problems: string[] };

export class ContractValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly compiled = new Map<ContractMessage, ValidateFunction>();

  constructor(readonly contract: Contract) {}

  /** Messages declared for an address (every message of every channel with that address). */
  messagesFor(address: string): ContractMessage[] {
    return this.contract.channels.filter((c) => c.address === address).flatMap((c) => c.messages);
  }

  check(event: ObservedEvent, messages: readonly ContractMessage[] = this.messagesFor(event.channel)): ContractCheck {
    if (messages.length === 0)
      return { ok: false, problems: [`the contract declares no message for ${event.channel}`] };
    const body = bodyJson(event);
    if (!body.ok) return { ok: false, problems: [`payload is not JSON: ${body.error}`] };
    const problems: string[] = [];
    for (const m of messages) {
      if (m.payload === undefined) return { ok: true, message: m.name };
      const validate = this.validator(m);
      if (validate(body.value)) return { ok: true, message: m.name };
      for (const e of validate.errors ?? [])
        problems.push(`${m.name}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    }
    return { ok: false, problems };
  }

  private validator(m: ContractMessage): ValidateFunction {
    let v = this.compiled.get(m);
    if (!v) {
      v = this.ajv.compile(m.payload as object);
      this.compiled.set(m, v);
    }
    return v;
  }
}
