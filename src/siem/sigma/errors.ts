/**
 * The one error a Sigma rule is refused with: a PolisError (`invalid_message`) that names the rule,
 * the field and the construct, so an operator can find what to change.
 */
import { PolisError } from '../../base/errors.js'

export interface SigmaErrorDetail {
  /** the rule's title or id, set when the error leaves the rule compiler */
  rule?: string
  /** the detection field (`CommandLine|re`), condition or correlation attribute */
  field?: string
  /** the construct refused: a modifier name, a regex construct, a YAML error, … */
  construct?: string
}

export class SigmaError extends PolisError {
  rule?: string
  field?: string
  construct?: string
  /** the message without the rule prefix: what a refusal list records */
  readonly reason: string
  constructor(reason: string, detail: SigmaErrorDetail = {}) {
    super('invalid_message', SigmaError.text(reason, detail))
    this.reason = reason
    Object.assign(this, detail)
  }
  private static text(reason: string, d: SigmaErrorDetail): string {
    return (d.rule !== undefined ? `Sigma rule ${JSON.stringify(d.rule)}: ` : '') + (d.field !== undefined ? `${d.field}: ` : '') + reason
  }
  /** The same refusal, attributed to a rule (and a field when it has none yet). */
  within(rule: string, field?: string): SigmaError {
    return new SigmaError(this.reason, { rule: this.rule ?? rule, field: this.field ?? field, construct: this.construct })
  }
}

export const refuse = (reason: string, detail: SigmaErrorDetail = {}): never => {
  throw new SigmaError(reason, detail)
}
