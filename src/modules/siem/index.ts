/** The siem module: names and builders (types.ts), state (keeper.ts, indicators.ts), the Module (module.ts). */
export * from './types.js'
export * from './keeper.js'
export * from './indicators.js'
export * from './module.js'
