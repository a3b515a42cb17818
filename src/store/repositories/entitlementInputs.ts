import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';
import { toGroup, type Group } from './groups.js';
import { toAccount, toMapping, type AwsAccount, type RoleMapping } from './accounts.js';

/** What the entitlement rules read about one person besides the person: their groups, those groups' mappings and accounts, and settings. */
export interface EntitlementInputs {
  /** The person's groups, by name. */
  groups: Group[];
  /** The role mappings of those groups. */
  mappings: RoleMapping[];
  /** The accounts those mappings point into (only existing ones). */
  accounts: AwsAccount[];
  /** The requested settings that are set (absent keys are missing). */
  settings: Map<string, string>;
}

/** One row of the statement below: nulls where the left joins found nothing. */
interface Row {
  g_id: string | null; g_name: string | null; g_description: string | null; g_tags: string | null; g_created_at: number | null;
  m_id: string | null; m_group_id: string | null; m_account_id: string | null; m_role_name: string | null;
  m_session_duration: number | null; m_require_factor: 'totp' | 'webauthn' | null; m_source_ips: string | null;
  a_id: string | null; a_alias: string | null; a_partition: 'aws' | 'aws-us-gov' | 'aws-cn' | null; a_provider_name: string | null; a_region: string | null;
  setting_0: string | null; setting_1: string | null;
}

/**
 * The read side of the entitlements on the SSO hot path, in ONE statement instead of one per table: the
 * person's memberships joined to groups, role mappings and accounts (one row per group × mapping), with the
 * requested settings as scalar sub-selects on every row. The join starts from a one-row table, so a person in
 * no group still gets one row, and with it the settings.
 */
export class EntitlementInputsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async forUser(userId: string, settingKeys: readonly [string, string]): Promise<EntitlementInputs> {
    const [k0, k1] = settingKeys;
    const { rows } = await sql<Row>`
      select g.id as g_id, g.name as g_name, g.description as g_description, g.tags as g_tags, g.created_at as g_created_at,
        m.id as m_id, m.group_id as m_group_id, m.account_id as m_account_id, m.role_name as m_role_name,
        m.session_duration as m_session_duration, m.require_factor as m_require_factor, m.source_ips as m_source_ips,
        a.id as a_id, a.alias as a_alias, a.partition as a_partition, a.provider_name as a_provider_name, a.region as a_region,
        (select "value" from "settings" where "key" = ${k0}) as setting_0,
        (select "value" from "settings" where "key" = ${k1}) as setting_1
      from (select 1 as one) as base
      left join "memberships" as ms on ms.user_id = ${userId}
      left join "groups" as g on g.id = ms.group_id
      left join "role_mappings" as m on m.group_id = g.id
      left join "aws_accounts" as a on a.id = m.account_id
      order by g.name, m.id`.execute(this.db);

    const groups = new Map<string, Group>();
    const mappings = new Map<string, RoleMapping>();
    const accounts = new Map<string, AwsAccount>();
    for (const r of rows) {
      if (r.g_id !== null && !groups.has(r.g_id)) {
        groups.set(r.g_id, toGroup({ id: r.g_id, name: r.g_name!, description: r.g_description, tags: r.g_tags!, created_at: r.g_created_at! }));
      }
      if (r.m_id !== null && !mappings.has(r.m_id)) {
        mappings.set(r.m_id, toMapping({
          id: r.m_id, group_id: r.m_group_id!, account_id: r.m_account_id!, role_name: r.m_role_name!, session_duration: r.m_session_duration,
          require_factor: r.m_require_factor, source_ips: r.m_source_ips!,
        }));
      }
      if (r.a_id !== null && !accounts.has(r.a_id)) {
        accounts.set(r.a_id, toAccount({ id: r.a_id, alias: r.a_alias!, partition: r.a_partition!, provider_name: r.a_provider_name!, region: r.a_region }));
      }
    }
    const settings = new Map<string, string>();
    const first = rows[0];
    if (typeof first?.setting_0 === 'string') settings.set(k0, first.setting_0);
    if (typeof first?.setting_1 === 'string') settings.set(k1, first.setting_1);
    return { groups: [...groups.values()], mappings: [...mappings.values()], accounts: [...accounts.values()], settings };
  }
}
