/** The transport module: names and builders (types.ts), state (keeper.ts, areas.ts, window-clock.ts, confirmed-events.ts), settlement (window-settlement.ts), the Module (module.ts). */
export * from './types.js'
export * from './keeper.js'
export * from './areas.js'
export * from './confirmed-events.js'
export * from './window-clock.js'
export * from './module.js'
