/** The pipeline the SIEM runs Sigma rules with: Windows event logs and our other inputs. */
import type { Pipeline } from '../pipeline.js'
import { WINDOWS_ITEMS, WINDOWS_SYSTEM_FIELDS } from './windows.js'
import { GENERIC_FIELDS, GENERIC_ITEMS } from './generic.js'

export const DEFAULT_PIPELINE: Pipeline = {
  name: 'polis-ecs',
  items: [...WINDOWS_ITEMS, ...GENERIC_ITEMS],
  fields: { ...GENERIC_FIELDS, ...WINDOWS_SYSTEM_FIELDS },
}
