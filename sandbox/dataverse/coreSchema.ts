/**
 * The hand-made core tables, shaped after real Dataverse metadata (logical
 * names, display names, choice values and relationship schema names follow
 * the out-of-the-box tables of a Sales environment).
 */
import type { OptionDef } from './model';
import { ownedColumns, type SchemaBuilder } from './schemaBuilder';

const opts = (labels: readonly string[], start = 1): OptionDef[] => labels.map((label, i) => ({ value: start + i, label }));

export const INDUSTRY_LABELS = [
  'Accounting', 'Agriculture and Non-petrol Natural Resource Extraction', 'Broadcasting Printing and Publishing', 'Brokers',
  'Building Supply Retail', 'Business Services', 'Consulting', 'Consumer Services', 'Design, Direction and Creative Management',
  'Distributors, Dispatchers and Processors', "Doctor's Offices and Clinics", 'Durable Manufacturing', 'Eating and Drinking Places',
  'Entertainment Retail', 'Equipment Rental and Leasing', 'Financial', 'Food and Tobacco Processing',
  'Inbound Capital Intensive Processing', 'Inbound Repair and Services', 'Insurance', 'Legal Services',
  'Non-Durable Merchandise Retail', 'Outbound Consumer Service', 'Petrochemical Extraction and Distribution', 'Service Retail',
  'SIG Affiliations', 'Social Services', 'Special Outbound Trade Contractors', 'Specialty Realty', 'Transportation',
  'Utility Creation and Distribution', 'Vehicle Retail', 'Wholesale',
] as const;

export const CUSTOMER_TYPE_LABELS = [
  'Competitor', 'Consultant', 'Customer', 'Investor', 'Partner', 'Influencer', 'Press', 'Prospect', 'Reseller', 'Supplier', 'Vendor', 'Other',
] as const;

export const REGION_OPTIONS: readonly OptionDef[] = [
  { value: 100000000, label: 'North America', color: '#0078d4' },
  { value: 100000001, label: 'Europe, Middle East and Africa', color: '#107c10' },
  { value: 100000002, label: 'Asia Pacific', color: '#d83b01' },
  { value: 100000003, label: 'Latin America', color: '#5c2d91' },
];

/** The role names every environment has, in the order they are created. */
export const ROLE_NAMES = [
  'System Administrator', 'System Customizer', 'Basic User', 'Environment Maker', 'Sales Manager', 'Salesperson', 'Delegate', 'Support User',
] as const;

/** Declares account, contact, systemuser, businessunit, team, role, systemuserroles, teammembership, teamroles, organization, transactioncurrency, solution and solutioncomponent. */
export function declareCoreSchema(b: SchemaBuilder): void {
  const region = b.globalChoice('new_region', 'Region', REGION_OPTIONS, true, 'Sales region of a customer.');
  b.globalChoice('budgetstatus', 'Budget', opts(['No Committed Budget', 'May Buy', 'Can Buy', 'Will Buy'], 0), false, 'Information about the budget status.');
  b.globalChoice('incident_caseorigincode', 'Origin', [
    { value: 1, label: 'Phone' }, { value: 2, label: 'Email' }, { value: 3, label: 'Web' }, { value: 2483, label: 'Facebook' }, { value: 3986, label: 'Twitter' },
  ], false, 'Select how contact about the case was originated.');
  b.globalChoice('new_priority', 'Priority', opts(['Low', 'Normal', 'High', 'Critical'], 100000000), true);

  const account = b.entity({
    logicalName: 'account', displayName: 'Account', displayCollectionName: 'Accounts', objectTypeCode: 1, ownership: 'UserOwned',
    description: 'Business that represents a customer or potential customer. The company that is billed in business transactions.',
  }, [
    ['name', 'String', 'Account Name', { maxLength: 160, required: 'ApplicationRequired', description: 'Type the company or business name.' }],
    ['accountnumber', 'String', 'Account Number', { maxLength: 20, description: 'Type an ID number or code for the account to quickly search and identify the account in system views.' }],
    ['telephone1', 'String', 'Main Phone', { maxLength: 50, format: 'Phone' }],
    ['emailaddress1', 'String', 'Email', { maxLength: 100, format: 'Email', description: 'Type the primary email address for the account.' }],
    ['websiteurl', 'String', 'Website', { maxLength: 200, format: 'Url' }],
    ['address1_line1', 'String', 'Address 1: Street 1', { maxLength: 250 }],
    ['address1_city', 'String', 'Address 1: City', { maxLength: 80 }],
    ['address1_country', 'String', 'Address 1: Country/Region', { maxLength: 80 }],
    ['address1_postalcode', 'String', 'Address 1: ZIP/Postal Code', { maxLength: 20 }],
    ['description', 'Memo', 'Description', { maxLength: 2000, description: 'Type additional information to describe the account, such as an excerpt from the company\'s website.' }],
    ['industrycode', 'Picklist', 'Industry', { options: opts(INDUSTRY_LABELS), description: "Select the account's primary industry for use in marketing segmentation and demographic analysis." }],
    ['customertypecode', 'Picklist', 'Relationship Type', { options: opts(CUSTOMER_TYPE_LABELS), description: 'Select the category that best describes the relationship between the account and your organization.' }],
    ['accountcategorycode', 'Picklist', 'Category', { options: opts(['Preferred Customer', 'Standard']) }],
    ['revenue', 'Money', 'Annual Revenue', { precision: 2, min: 0, max: 100000000000000, description: 'Type the annual revenue for the account, used as an indicator in financial performance analysis.' }],
    ['numberofemployees', 'Integer', 'Number of Employees', { min: 0, max: 1000000000 }],
    ['creditonhold', 'Boolean', 'Credit Hold'],
    ['donotemail', 'Boolean', 'Do not allow Emails'],
    ['primarycontactid', 'Lookup', 'Primary Contact', { targets: ['contact'], relationship: 'account_primary_contact', description: 'Choose the primary contact for the account to provide quick access to contact details.' }],
    ['parentaccountid', 'Lookup', 'Parent Account', { targets: ['account'], relationship: 'account_parent_account' }],
    ['transactioncurrencyid', 'Lookup', 'Currency', { targets: ['transactioncurrency'], relationship: 'TransactionCurrency_Account' }],
    ['new_region', 'Picklist', 'Region', { optionSet: region, custom: true }],
    ['new_tier', 'Integer', 'Tier', { custom: true, min: 1, max: 5 }],
    ...ownedColumns('account', false),
  ]);
  b.key(account, 'new_accountnumberkey', 'Account number key', ['accountnumber']);

  b.entity({
    logicalName: 'contact', displayName: 'Contact', displayCollectionName: 'Contacts', objectTypeCode: 2, ownership: 'UserOwned',
    primaryName: 'fullname', description: 'Person with whom a business unit has a relationship, such as customer, supplier, and colleague.',
  }, [
    ['fullname', 'String', 'Full Name', { maxLength: 160, readOnly: true }],
    ['firstname', 'String', 'First Name', { maxLength: 50, required: 'Recommended' }],
    ['lastname', 'String', 'Last Name', { maxLength: 50, required: 'ApplicationRequired' }],
    ['jobtitle', 'String', 'Job Title', { maxLength: 100 }],
    ['emailaddress1', 'String', 'Email', { maxLength: 100, format: 'Email' }],
    ['telephone1', 'String', 'Business Phone', { maxLength: 50, format: 'Phone' }],
    ['mobilephone', 'String', 'Mobile Phone', { maxLength: 50, format: 'Phone' }],
    ['birthdate', 'DateTime', 'Birthday', { format: 'DateOnly' }],
    ['gendercode', 'Picklist', 'Gender', { options: opts(['Male', 'Female']) }],
    ['preferredcontactmethodcode', 'Picklist', 'Preferred Method of Contact', { options: opts(['Any', 'Email', 'Phone', 'Fax', 'Mail']) }],
    ['parentcustomerid', 'Customer', 'Company Name', { targets: ['account', 'contact'], relationship: ['contact_customer_accounts', 'contact_customer_contacts'], description: 'Select the parent account or parent contact for the contact to provide a quick link to additional details.' }],
    ['description', 'Memo', 'Description', { maxLength: 2000 }],
    ['annualincome', 'Money', 'Annual Income'],
    ['transactioncurrencyid', 'Lookup', 'Currency', { targets: ['transactioncurrency'], relationship: 'TransactionCurrency_Contact' }],
    ['donotphone', 'Boolean', 'Do not allow Phone Calls'],
    ...ownedColumns('contact', false),
  ]);

  b.entity({
    logicalName: 'systemuser', displayName: 'User', displayCollectionName: 'Users', objectTypeCode: 8, ownership: 'BusinessOwned',
    primaryName: 'fullname', description: 'Person with access to the Microsoft CRM system and who owns objects in the Microsoft CRM database.',
  }, [
    ['fullname', 'String', 'Full Name', { maxLength: 200, readOnly: true }],
    ['firstname', 'String', 'First Name', { maxLength: 256 }],
    ['lastname', 'String', 'Last Name', { maxLength: 256 }],
    ['domainname', 'String', 'User Name', { maxLength: 1024, required: 'SystemRequired' }],
    ['internalemailaddress', 'String', 'Primary Email', { maxLength: 100, format: 'Email' }],
    ['title', 'String', 'Title', { maxLength: 128 }],
    ['azureactivedirectoryobjectid', 'Uniqueidentifier', 'Azure AD Object ID', { description: 'This is the Microsoft Entra ID object id of the user.' }],
    ['applicationid', 'Uniqueidentifier', 'Application ID', { description: 'The identifier for the application. This is used to access data in another application.' }],
    ['isdisabled', 'Boolean', 'Status'],
    ['accessmode', 'Picklist', 'Access Mode', { options: opts(['Read-Write', 'Administrative', 'Read', 'Support User', 'Non-interactive', 'Delegated Admin'], 0) }],
    ['businessunitid', 'Lookup', 'Business Unit', { targets: ['businessunit'], relationship: 'business_unit_system_users' }],
    ['createdon', 'DateTime', 'Created On', { readOnly: true }],
    ['modifiedon', 'DateTime', 'Modified On', { readOnly: true }],
  ]);

  b.entity({
    logicalName: 'businessunit', displayName: 'Business Unit', displayCollectionName: 'Business Units', objectTypeCode: 10, ownership: 'BusinessOwned',
    description: 'Business, division, or department in the Microsoft Dynamics 365 database.',
  }, [
    ['name', 'String', 'Name', { maxLength: 160, required: 'SystemRequired' }],
    ['divisionname', 'String', 'Division', { maxLength: 100 }],
    ['parentbusinessunitid', 'Lookup', 'Parent Business', { targets: ['businessunit'], relationship: 'business_unit_parent_business_unit' }],
    ['isdisabled', 'Boolean', 'Is Disabled'],
    ['createdon', 'DateTime', 'Created On', { readOnly: true }],
    ['modifiedon', 'DateTime', 'Modified On', { readOnly: true }],
  ]);

  b.entity({
    logicalName: 'team', displayName: 'Team', displayCollectionName: 'Teams', objectTypeCode: 9, ownership: 'BusinessOwned',
    description: 'Collection of system users that routinely collaborate. Teams can be used to simplify record sharing and provide team members with common access to organization data when team members belong to different Business Units.',
  }, [
    ['name', 'String', 'Team Name', { maxLength: 160, required: 'SystemRequired' }],
    ['teamtype', 'Picklist', 'Team Type', { options: opts(['Owner', 'Access', 'Security Group', 'Office Group'], 0) }],
    ['isdefault', 'Boolean', 'Is Default'],
    ['businessunitid', 'Lookup', 'Business Unit', { targets: ['businessunit'], relationship: 'business_unit_teams' }],
    ['createdon', 'DateTime', 'Created On', { readOnly: true }],
    ['modifiedon', 'DateTime', 'Modified On', { readOnly: true }],
  ]);

  b.entity({
    logicalName: 'role', displayName: 'Security Role', displayCollectionName: 'Security Roles', objectTypeCode: 1036, ownership: 'BusinessOwned',
    description: 'Grouping of security privileges. Users are assigned roles that authorize their access to the Microsoft CRM system.',
  }, [
    ['name', 'String', 'Name', { maxLength: 100, required: 'SystemRequired' }],
    ['businessunitid', 'Lookup', 'Business Unit', { targets: ['businessunit'], relationship: 'business_unit_roles' }],
    ['ismanaged', 'Boolean', 'Is Managed', { readOnly: true }],
    ['createdon', 'DateTime', 'Created On', { readOnly: true }],
    ['modifiedon', 'DateTime', 'Modified On', { readOnly: true }],
  ]);

  intersect(b, 'systemuserroles', 'User Roles', 15, 'systemuserroleid', ['systemuserid', 'User', 'systemuser'], ['roleid', 'Role', 'role'], 'systemuserroles_association');
  // Team members hold the roles of their teams: https://learn.microsoft.com/power-platform/admin/manage-teams
  intersect(b, 'teammembership', 'Team Membership', 23, 'teammembershipid', ['systemuserid', 'User', 'systemuser'], ['teamid', 'Team', 'team'], 'teammembership_association');
  intersect(b, 'teamroles', 'Team Roles', 40, 'teamroleid', ['teamid', 'Team', 'team'], ['roleid', 'Role', 'role'], 'teamroles_association');

  b.entity({
    logicalName: 'organization', displayName: 'Organization', displayCollectionName: 'Organizations', objectTypeCode: 1019, ownership: 'None',
    description: 'Top level of the Microsoft Dynamics 365 business hierarchy. The organization can be a specific business, holding company, or corporation.',
  }, [
    ['name', 'String', 'Organization Name', { maxLength: 160, readOnly: true }],
    ['languagecode', 'Integer', 'Language'],
    ['basecurrencyid', 'Lookup', 'Currency', { targets: ['transactioncurrency'], relationship: 'basecurrency_organization' }],
    ['createdon', 'DateTime', 'Created On', { readOnly: true }],
    ['modifiedon', 'DateTime', 'Modified On', { readOnly: true }],
  ]);

  b.entity({
    logicalName: 'transactioncurrency', displayName: 'Currency', displayCollectionName: 'Currencies', objectTypeCode: 9105, ownership: 'OrganizationOwned',
    primaryName: 'currencyname', description: 'Currency in which a financial transaction is carried out.',
  }, [
    ['currencyname', 'String', 'Currency Name', { maxLength: 100, required: 'SystemRequired' }],
    ['isocurrencycode', 'String', 'Currency Code', { maxLength: 5, required: 'SystemRequired' }],
    ['currencysymbol', 'String', 'Currency Symbol', { maxLength: 10 }],
    ['exchangerate', 'Decimal', 'Exchange Rate', { precision: 10 }],
    ['currencyprecision', 'Integer', 'Currency Precision'],
  ]);

  // The solution tables (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solution and
  // https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solutioncomponent); their rows are seeded in ./solutions.ts.
  b.entity({
    logicalName: 'solution', displayName: 'Solution', displayCollectionName: 'Solutions', objectTypeCode: 7100, ownership: 'OrganizationOwned',
    primaryName: 'friendlyname', description: 'A solution which contains CRM customizations.',
  }, [
    ['friendlyname', 'String', 'Display Name', { maxLength: 256, required: 'SystemRequired', description: 'User display name for the solution.' }],
    ['uniquename', 'String', 'Name', { maxLength: 65, required: 'SystemRequired', description: 'The unique name of this solution' }],
    ['version', 'String', 'Version', { maxLength: 256, required: 'SystemRequired', description: 'Solution version, used to identify a solution for upgrades and hotfixes.' }],
    ['description', 'Memo', 'Description', { maxLength: 2000, description: 'Description of the solution.' }],
    ['ismanaged', 'Boolean', 'Package Type', { readOnly: true, description: 'Indicates whether the solution is managed or unmanaged.' }],
    ['isvisible', 'Boolean', 'Is Visible Outside Platform', { readOnly: true, description: 'Indicates whether the solution is visible outside of the platform.' }],
    ['solutiontype', 'Picklist', 'Solution Type', { options: opts(['None', 'Snapshot', 'Internal'], 0), description: 'Solution Type' }],
    ['parentsolutionid', 'Lookup', 'Parent Solution', { readOnly: true, targets: ['solution'], relationship: 'solution_parent_solution', description: 'Unique identifier of the parent solution. Should only be non-null if this solution is a patch.' }],
    ['installedon', 'DateTime', 'Installed On', { readOnly: true, description: 'Date and time when the solution was installed/upgraded.' }],
    ['createdon', 'DateTime', 'Created On', { readOnly: true }],
    ['modifiedon', 'DateTime', 'Modified On', { readOnly: true }],
  ]);

  b.entity({
    logicalName: 'solutioncomponent', displayName: 'Solution Component', displayCollectionName: 'Solution Components', objectTypeCode: 7103, ownership: 'None',
    primaryName: null, description: 'A component of a CRM solution.',
  }, [
    ['objectid', 'Uniqueidentifier', 'Regarding', { readOnly: true, description: 'Unique identifier of the object with which the component is associated.' }],
    ['componenttype', 'Picklist', 'Object Type Code', { readOnly: true, options: opts(['Entity', 'Attribute', 'Relationship', 'Attribute Picklist Value', 'Attribute Lookup Value', 'View Attribute', 'Localized Label', 'Relationship Extra Condition', 'Option Set'], 1), description: 'The object type code of the component.' }],
    ['solutionid', 'Lookup', 'Solution', { readOnly: true, targets: ['solution'], relationship: 'solution_solutioncomponent', description: 'Unique identifier of the solution.' }],
    ['rootsolutioncomponentid', 'Uniqueidentifier', 'Root Solution Component', { readOnly: true, description: 'The parent ID of the subcomponent, which will be a root' }],
    ['rootcomponentbehavior', 'Picklist', 'Root Component Behavior', { readOnly: true, options: opts(['Include Subcomponents', 'Do not include subcomponents', 'Include As Shell Only'], 0), description: 'Indicates the include behavior of the root component.' }],
    ['ismetadata', 'Boolean', 'Is this component metadata', { readOnly: true, description: 'Indicates whether this component is metadata or data.' }],
    ['createdon', 'DateTime', 'Created On', { readOnly: true }],
    ['modifiedon', 'DateTime', 'Modified On', { readOnly: true }],
  ]);
}

/** An N:N intersect table of two tables' ids and the relationship through it, as Dataverse declares its own. */
function intersect(
  b: SchemaBuilder,
  logicalName: string,
  displayName: string,
  objectTypeCode: number,
  primaryId: string,
  first: readonly [column: string, label: string, table: string],
  second: readonly [column: string, label: string, table: string],
  relationship: string,
): void {
  const plural = displayName.endsWith('s') ? displayName : `${displayName}s`;
  b.entity({ logicalName, displayName, displayCollectionName: plural, objectTypeCode, ownership: 'None', primaryName: null, isIntersect: true, primaryId, description: '' }, [
    [first[0], 'Uniqueidentifier', first[1]],
    [second[0], 'Uniqueidentifier', second[1]],
  ]);
  b.manyToMany(relationship, first[2], second[2], logicalName, false);
}
