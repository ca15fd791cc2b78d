/**
 * The city's public services on the command line, one file per module: bills, complaints,
 * vehicles, energy; with the departments' off-chain store and the services simulator.
 */
import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { billsCommands } from './bills.js'
import { complaintsCommands } from './complaints.js'
import { vehiclesCommands } from './vehicles.js'
import { simulateServicesCommand } from './simulate-services.js'
import { energyCommands } from './energy.js'
import { departmentCommands } from './department.js'

/** Registers the service groups under `tx` and `query` (call after txCommands and queryCommands). */
export function servicesCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  billsCommands(program, ctx)
  complaintsCommands(program, ctx)
  vehiclesCommands(program, ctx)
  simulateServicesCommand(program, ctx)
  energyCommands(program, ctx)
  departmentCommands(program, ctx)
}
