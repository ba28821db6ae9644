/**
 * The solutions of every org and the tables each one holds, shaped as the
 * `solution` and `solutioncomponent` rows Dataverse serves: a table belongs to
 * a solution through a component of type 1 (Entity) whose objectid is the
 * table's MetadataId
 * (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solutioncomponent).
 */
import type { EntityDef } from './model';
import { stableGuid } from './random';

/** One solution of the seed. */
export interface SolutionSeed {
  readonly uniqueName: string;
  readonly friendlyName: string;
  readonly version: string;
  readonly isManaged: boolean;
  /** False for the platform's own solutions, which maker tools do not list. */
  readonly isVisible: boolean;
  readonly description: string;
  /** The id the Default Solution has in every org; other ids derive from the seed. */
  readonly fixedId?: string;
  /** Whether the solution holds this table. */
  readonly holds: (entity: EntityDef) => boolean;
}

/** The tables of the custom solution the tests pick. */
export const CONTOSO_CORE_TABLES: readonly string[] = ['account', 'contact', 'new_project', 'new_projecttask'];

/**
 * Every org's solutions: the hidden platform ones (the Default Solution holds every table,
 * https://learn.microsoft.com/power-apps/maker/data-platform/solutions-overview#default-solutions),
 * the Common Data Services Default Solution that holds what makers create outside a solution,
 * a managed one installed from elsewhere, and one custom unmanaged solution.
 */
export const SOLUTIONS: readonly SolutionSeed[] = [
  {
    uniqueName: 'System', friendlyName: 'System Solution', version: '9.2.25063.190', isManaged: true, isVisible: false,
    description: 'System Solution', holds: (e) => !e.isCustom,
  },
  {
    uniqueName: 'Active', friendlyName: 'Active Solution', version: '1.0', isManaged: false, isVisible: false,
    description: 'Placeholder solution for active customizations', holds: () => false,
  },
  {
    uniqueName: 'Default', friendlyName: 'Default Solution', version: '1.0', isManaged: false, isVisible: false,
    description: 'Default Solution', fixedId: 'fd140aaf-4df4-11dd-bd17-0019b9312238', holds: () => true,
  },
  {
    // Real orgs name it after the default publisher's generated prefix; this one is made up to match the cr8a1_ tables.
    uniqueName: 'Cr8a1', friendlyName: 'Common Data Services Default Solution', version: '1.0.0.0', isManaged: false, isVisible: true,
    description: 'Default solution for customizations made outside a solution.', holds: (e) => e.logicalName.startsWith('cr8a1_'),
  },
  {
    uniqueName: 'msdynce_FieldService', friendlyName: 'Field Service', version: '8.8.117.2', isManaged: true, isVisible: true,
    description: 'Dynamics 365 Field Service', holds: (e) => e.logicalName.startsWith('msdyn_'),
  },
  {
    uniqueName: 'ContosoCore', friendlyName: 'Contoso Core', version: '1.2.0.0', isManaged: false, isVisible: true,
    description: 'Contoso\'s customer and project tables.', holds: (e) => CONTOSO_CORE_TABLES.includes(e.logicalName),
  },
];

/** The solutionid of a seeded solution in an org. */
export function solutionId(seed: string, solution: SolutionSeed): string {
  return solution.fixedId ?? stableGuid(seed, 'solution', solution.uniqueName);
}
