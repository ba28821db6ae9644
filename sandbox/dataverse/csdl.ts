/**
 * The `$metadata` CSDL document (XML only;
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-service-documents).
 */
import { edmType, isLookup } from './model';
import type { Schema } from './schema';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** Builds the CSDL for the org's current schema. */
export function buildCsdl(schema: Schema): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="utf-8"?>');
  out.push('<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>');
  out.push('<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">');
  out.push('<EntityType Name="crmbaseentity" Abstract="true"/>');
  out.push('<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true"><Key><PropertyRef Name="ownerid"/></Key><Property Name="ownerid" Type="Edm.Guid"/></EntityType>');
  for (const e of schema.entities) {
    const base = e.logicalName === 'systemuser' || e.logicalName === 'team' ? 'mscrm.principal' : 'mscrm.crmbaseentity';
    out.push(`<EntityType Name="${e.logicalName}" BaseType="${base}">`);
    if (base !== 'mscrm.principal') out.push(`<Key><PropertyRef Name="${e.primaryIdAttribute}"/></Key>`);
    for (const a of e.attributes) {
      const name = isLookup(a) ? `_${a.logicalName}_value` : a.logicalName;
      out.push(`<Property Name="${name}" Type="${edmType(a)}"${a.type === 'String' || a.type === 'Memo' ? ' Unicode="false"' : ''}>${isLookup(a) || !a.isValidForUpdate ? '<Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/>' : ''}</Property>`);
    }
    for (const r of schema.manyToOne(e.logicalName)) {
      out.push(`<NavigationProperty Name="${r.referencingNav}" Type="mscrm.${r.referencedEntity}" Nullable="false" Partner="${r.referencedNav}"><ReferentialConstraint Property="_${r.referencingAttribute}_value" ReferencedProperty="${r.referencedAttribute}"/></NavigationProperty>`);
    }
    if (e.attributes.some((a) => a.type === 'Owner')) out.push('<NavigationProperty Name="ownerid" Type="mscrm.principal" Partner="owner_' + esc(e.entitySetName) + '"/>');
    for (const r of schema.oneToMany(e.logicalName)) out.push(`<NavigationProperty Name="${r.referencedNav}" Type="Collection(mscrm.${r.referencingEntity})" Partner="${r.referencingNav}"/>`);
    for (const r of schema.manyToMany(e.logicalName)) {
      const other = r.entity1 === e.logicalName ? r.entity2 : r.entity1;
      out.push(`<NavigationProperty Name="${r.schemaName}" Type="Collection(mscrm.${other})" Partner="${r.schemaName}"/>`);
    }
    if (e.keys.length) {
      out.push('<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>');
      for (const k of e.keys) out.push(`<Record Type="OData.Community.Keys.V1.AlternateKey"><PropertyValue Property="Key"><Collection>${k.keyAttributes.map((n) => `<Record Type="OData.Community.Keys.V1.PropertyRef"><PropertyValue Property="Alias" String="${n}"/><PropertyValue Property="Name" PropertyPath="${n}"/></Record>`).join('')}</Collection></PropertyValue></Record>`);
      out.push('</Collection></Annotation>');
    }
    out.push('</EntityType>');
  }
  out.push('<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false"/><Property Name="UserId" Type="Edm.Guid" Nullable="false"/><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false"/></ComplexType>');
  out.push('<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false"/></Function>');
  out.push('<ComplexType Name="RetrieveCurrentOrganizationResponse"><Property Name="Detail" Type="mscrm.OrganizationDetail" Nullable="false"/></ComplexType>');
  out.push('<Function Name="RetrieveCurrentOrganization"><Parameter Name="AccessType" Type="mscrm.EndpointAccessType" Nullable="false"/><ReturnType Type="mscrm.RetrieveCurrentOrganizationResponse" Nullable="false"/></Function>');
  out.push('<Function Name="RetrieveMetadataChanges"><Parameter Name="Query" Type="mscrm.EntityQueryExpression"/><Parameter Name="DeletedMetadataFilters" Type="mscrm.DeletedMetadataFilters"/><Parameter Name="ClientVersionStamp" Type="Edm.String" Unicode="false"/><ReturnType Type="mscrm.RetrieveMetadataChangesResponse" Nullable="false"/></Function>');
  out.push('<EntityContainer Name="System">');
  for (const e of schema.entities) out.push(`<EntitySet Name="${e.entitySetName}" EntityType="Microsoft.Dynamics.CRM.${e.logicalName}"/>`);
  out.push('<EntitySet Name="EntityDefinitions" EntityType="Microsoft.Dynamics.CRM.EntityMetadata"/>');
  out.push('<EntitySet Name="GlobalOptionSetDefinitions" EntityType="Microsoft.Dynamics.CRM.OptionSetMetadataBase"/>');
  out.push('<EntitySet Name="RelationshipDefinitions" EntityType="Microsoft.Dynamics.CRM.RelationshipMetadataBase"/>');
  out.push('<FunctionImport Name="WhoAmI" Function="Microsoft.Dynamics.CRM.WhoAmI"/>');
  out.push('<FunctionImport Name="RetrieveCurrentOrganization" Function="Microsoft.Dynamics.CRM.RetrieveCurrentOrganization"/>');
  out.push('<FunctionImport Name="RetrieveMetadataChanges" Function="Microsoft.Dynamics.CRM.RetrieveMetadataChanges"/>');
  out.push('</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>');
  return out.join('');
}
