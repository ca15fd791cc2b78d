export { Relayer, type RelayerOptions, type RelayerSide, type PassStats } from './relayer.js'
export { loadRelayerConfig } from './config.js'
