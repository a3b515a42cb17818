import type { Kysely, Selectable } from 'kysely';
import type { Database, ServiceProvidersTable } from '../tables.js';
import { acsEndpoints, parseJsonColumn, stringArray } from '../json.js';

export interface AcsEndpoint { url: string; index: number | null; binding: string; isDefault: boolean }

export interface ServiceProvider {
  id: string;
  entityId: string;
  name: string;
  kind: 'generic' | 'identity-center';
  metadataXml: string;
  acs: AcsEndpoint[];
  wantRequestsSigned: boolean;
  signingCerts: string[];
  nameIdFormat: string | null;
  createdAt: number;
  /** False once an admin disabled the SP: its AuthnRequests are refused and the portal hides it. */
  enabled: boolean;
}

const toSp = (r: Selectable<ServiceProvidersTable>): ServiceProvider => ({
  id: r.id, entityId: r.entity_id, name: r.name, kind: r.kind, metadataXml: r.metadata_xml,
  acs: parseJsonColumn({ column: 'service_providers.acs', row: r.id }, acsEndpoints, r.acs),
  wantRequestsSigned: r.want_requests_signed === 1, signingCerts: parseJsonColumn({ column: 'service_providers.signing_certs', row: r.id }, stringArray, r.signing_certs),
  nameIdFormat: r.name_id_format, createdAt: Number(r.created_at), enabled: Number(r.enabled) === 1,
});

/** Registered SAML service providers (generic SPs and IAM Identity Center). */
export class ServiceProvidersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts or replaces the SP with the same entityID. `enabled` (default true) is set on insert only: new
   * metadata for an SP does not enable or disable it.
   */
  async upsert(sp: Omit<ServiceProvider, 'enabled'> & { enabled?: boolean }): Promise<void> {
    const row = {
      id: sp.id, entity_id: sp.entityId, name: sp.name, kind: sp.kind, metadata_xml: sp.metadataXml, acs: JSON.stringify(sp.acs),
      want_requests_signed: sp.wantRequestsSigned ? 1 : 0, signing_certs: JSON.stringify(sp.signingCerts), name_id_format: sp.nameIdFormat,
      created_at: sp.createdAt, enabled: sp.enabled === false ? 0 : 1,
    };
    const { id: _id, created_at: _c, enabled: _e, ...update } = row;
    await this.db.insertInto('service_providers').values(row).onConflict((oc) => oc.column('entity_id').doUpdateSet(update)).execute();
  }

  async findByEntityId(entityId: string): Promise<ServiceProvider | undefined> {
    const r = await this.db.selectFrom('service_providers').selectAll().where('entity_id', '=', entityId).executeTakeFirst();
    return r && toSp(r);
  }

  async findById(id: string): Promise<ServiceProvider | undefined> {
    const r = await this.db.selectFrom('service_providers').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toSp(r);
  }

  async list(): Promise<ServiceProvider[]> {
    return (await this.db.selectFrom('service_providers').selectAll().orderBy('name').execute()).map(toSp);
  }

  /** Enables or disables the SP; false when there is none with that id. */
  async setEnabled(id: string, enabled: boolean): Promise<boolean> {
    const r = await this.db.updateTable('service_providers').set({ enabled: enabled ? 1 : 0 }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('service_providers').where('id', '=', id).execute();
  }
}
