/** The bridge apps a city chain runs (payload `app` name → handlers); see docs/BRIDGE.md, "Applications". */
import { threatIntelApp } from '../modules/threatintel/bridge-app.js'
import { THREATINTEL_APP } from '../modules/threatintel/types.js'
import { bridgeApps, type BridgeApps } from '../modules/bridge/packet/apps.js'
import { TRANSFER_APP, transferApp } from '../modules/bridge/apps/transfer.js'
import { VEHICLE_APP, vehicleApp } from '../modules/bridge/apps/vehicle-transfer.js'
import { bridgeChannels } from '../modules/bridge/channels.js'
import { threatIntelView } from '../modules/threatintel/keeper.js'

export function defaultBridgeApps(): BridgeApps {
  return bridgeApps([
    [TRANSFER_APP, transferApp],
    [VEHICLE_APP, vehicleApp(threatIntelView)],
    [THREATINTEL_APP, threatIntelApp(bridgeChannels)],
  ])
}
