/** The bridge apps a city chain runs (payload `app` name → handlers); see docs/BRIDGE.md, "Applications". */
import { threatIntelApp, THREATINTEL_APP } from '../threatintel/app.js'
import { bridgeApps, type BridgeApps } from './packet.js'
import { TRANSFER_APP, transferApp } from './transfer.js'
import { VEHICLE_APP, vehicleApp } from './vehicle-transfer.js'

export function defaultBridgeApps(): BridgeApps {
  return bridgeApps([
    [TRANSFER_APP, transferApp],
    [VEHICLE_APP, vehicleApp],
    [THREATINTEL_APP, threatIntelApp],
  ])
}
