/** The devdata module: names and builders (types.ts), state (keeper.ts), the Module (module.ts), the devices' side (protocol.ts). */
export * from './types.js'
export * from './keeper.js'
export * from './module.js'
export * from './protocol.js'
