/**
 * The modules a city chain runs beyond the core (identity and bank, built into the App).
 * Each service module adds itself here, one line each; the order is part of consensus
 * (end-block work runs in this order), so append, never reorder.
 */
import type { Module } from '../app/module.js'
import { devdataModule } from '../modules/devdata/index.js'
import { siemModule } from '../modules/siem/index.js'
import { bridgeModule } from '../modules/bridge/index.js'
import { transportModule } from '../modules/transport/index.js'
import { billsModule } from '../modules/bills/index.js'
import { vehiclesModule } from '../modules/vehicles/index.js'
import { complaintsModule } from '../modules/complaints/index.js'
import { energyModule } from '../modules/energy/index.js'
import { threatIntelModule } from '../modules/threatintel/index.js'
import { validatorsModule } from '../modules/validators/index.js'
import { votingModule } from '../modules/voting/index.js'
import { bridgeChannels } from '../modules/bridge/channels.js'
import { threatIntelView } from '../modules/threatintel/keeper.js'
import { activeVehicles } from '../modules/vehicles/keeper.js'
import { defaultBridgeApps } from './bridge-apps.js'

export function cityModules(): Module[] {
  return [
    bridgeModule(defaultBridgeApps()),
    siemModule(threatIntelView),
    devdataModule(threatIntelView),
    transportModule(activeVehicles(threatIntelView)),
    billsModule(),
    vehiclesModule(threatIntelView),
    complaintsModule(),
    energyModule(),
    threatIntelModule(bridgeChannels),
    validatorsModule(),
    votingModule(),
  ]
}
