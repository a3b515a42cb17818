import type { Kysely, Selectable } from 'kysely';
import type { AwsAccountsTable, Database, RoleMappingsTable } from '../tables.js';
import type { RequiredFactor } from '../../auth/factors.js';
import { parseColumn, parseJsonColumn, requiredFactorColumn, stringArray } from '../json.js';

export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';

export interface AwsAccount {
  id: string;
  alias: string;
  partition: Partition;
  providerName: string;
  region: string | null;
}

export interface RoleMapping {
  id: string;
  groupId: string;
  accountId: string;
  roleName: string;
  sessionDuration: number | null;
  requireFactor: RequiredFactor | null;
  sourceIps: string[];
}

/** An `aws_accounts` row as an AwsAccount. */
export const toAccount = (r: Selectable<AwsAccountsTable>): AwsAccount => ({ id: r.id, alias: r.alias, partition: r.partition, providerName: r.provider_name, region: r.region });
/** A `role_mappings` row as a RoleMapping. */
export const toMapping = (r: Selectable<RoleMappingsTable>): RoleMapping => ({
  id: r.id, groupId: r.group_id, accountId: r.account_id, roleName: r.role_name,
  sessionDuration: r.session_duration === null ? null : Number(r.session_duration), requireFactor: parseColumn({ column: 'role_mappings.require_factor', row: r.id }, requiredFactorColumn, r.require_factor),
  sourceIps: parseJsonColumn({ column: 'role_mappings.source_ips', row: r.id }, stringArray, r.source_ips, []),
});

/** AWS accounts and the group → role mappings that point into them. */
export class AccountsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(a: AwsAccount): Promise<void> {
    const row = { id: a.id, alias: a.alias, partition: a.partition, provider_name: a.providerName, region: a.region };
    await this.db.insertInto('aws_accounts').values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ alias: a.alias, partition: a.partition, provider_name: a.providerName, region: a.region }))
      .execute();
  }

  /** Adds a new account (a taken id or alias breaks a unique constraint). */
  async insert(a: AwsAccount): Promise<void> {
    await this.db.insertInto('aws_accounts').values({ id: a.id, alias: a.alias, partition: a.partition, provider_name: a.providerName, region: a.region }).execute();
  }

  async list(): Promise<AwsAccount[]> {
    return (await this.db.selectFrom('aws_accounts').selectAll().orderBy('alias').execute()).map(toAccount);
  }

  /** Finds an account by its 12-digit id or its alias. */
  async find(idOrAlias: string): Promise<AwsAccount | undefined> {
    const r = await this.db.selectFrom('aws_accounts').selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrAlias), eb('alias', '=', idOrAlias)])).executeTakeFirst();
    return r && toAccount(r);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('aws_accounts').where('id', '=', id).execute();
  }

  async addMapping(m: RoleMapping): Promise<void> {
    await this.db.insertInto('role_mappings').values({
      id: m.id, group_id: m.groupId, account_id: m.accountId, role_name: m.roleName, session_duration: m.sessionDuration,
      require_factor: m.requireFactor, source_ips: JSON.stringify(m.sourceIps),
    }).execute();
  }

  async updateMapping(id: string, patch: Pick<RoleMapping, 'sessionDuration' | 'requireFactor' | 'sourceIps'>): Promise<void> {
    await this.db.updateTable('role_mappings').set({
      session_duration: patch.sessionDuration, require_factor: patch.requireFactor, source_ips: JSON.stringify(patch.sourceIps),
    }).where('id', '=', id).execute();
  }

  async removeMapping(id: string): Promise<void> {
    await this.db.deleteFrom('role_mappings').where('id', '=', id).execute();
  }

  async listMappings(): Promise<RoleMapping[]> {
    return (await this.db.selectFrom('role_mappings').selectAll().orderBy('group_id').orderBy('account_id').orderBy('role_name').execute()).map(toMapping);
  }

  /** The mappings of the groups a user belongs to. */
  async mappingsForUser(userId: string): Promise<RoleMapping[]> {
    const rows = await this.db.selectFrom('role_mappings').innerJoin('memberships', 'memberships.group_id', 'role_mappings.group_id')
      .selectAll('role_mappings').where('memberships.user_id', '=', userId).execute();
    return rows.map(toMapping);
  }
}
