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
}

const toSp = (r: Selectable<ServiceProvidersTable>): ServiceProvider => ({
  id: r.id, entityId: r.entity_id, name: r.name, kind: r.kind, metadataXml: r.metadata_xml,
  acs: parseJsonColumn({ column: 'service_providers.acs', row: r.id }, acsEndpoints, r.acs),
  wantRequestsSigned: r.want_requests_signed === 1, signingCerts: parseJsonColumn({ column: 'service_providers.signing_certs', row: r.id }, stringArray, r.signing_certs),
  nameIdFormat: r.name_id_format, createdAt: Number(r.created_at),
});

/** Registered SAML service providers (generic SPs and IAM Identity Center). */
export class ServiceProvidersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts or replaces the SP with the same entityID. */
  async upsert(sp: ServiceProvider): Promise<void> {
    const row = {
      id: sp.id, entity_id: sp.entityId, name: sp.name, kind: sp.kind, metadata_xml: sp.metadataXml, acs: JSON.stringify(sp.acs),
      want_requests_signed: sp.wantRequestsSigned ? 1 : 0, signing_certs: JSON.stringify(sp.signingCerts), name_id_format: sp.nameIdFormat,
      created_at: sp.createdAt,
    };
    const { id: _id, created_at: _c, ...update } = row;
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

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('service_providers').where('id', '=', id).execute();
  }
}
