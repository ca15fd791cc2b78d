/**
 * The modules a city chain runs beyond the core (identity and bank, built into the App).
 * Each service module adds itself here, one line each; the order is part of consensus
 * (end-block work runs in this order), so append, never reorder.
 */
import type { Module } from '../app/module.js'
import { devdataModule } from './devdata/index.js'
import { siemModule } from './siem/index.js'
import { bridgeModule } from './bridge/index.js'
import { transportModule } from './transport/index.js'
import { billsModule } from './bills/index.js'
import { vehiclesModule } from './vehicles/index.js'
import { complaintsModule } from './complaints/index.js'
import { energyModule } from './energy/index.js'
import { threatIntelModule } from './threatintel/index.js'

export function cityModules(): Module[] {
  return [
    bridgeModule(),
    siemModule(),
    devdataModule(),
    transportModule(),
    billsModule(),
    vehiclesModule(),
    complaintsModule(),
    energyModule(),
    threatIntelModule(),
  ]
}
