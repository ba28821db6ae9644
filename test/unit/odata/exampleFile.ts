/** The example `.odata` file of the format's description (docs/odata-file.md), used by the parser and grammar tests alike. */
export const EXAMPLE_FILE = `# comments start with # or //
# @connection Contoso Dev
@top = 10

### Active accounts
GET accounts?$select=name,accountnumber
    &$filter=statecode eq 0 and contains(name,'contoso')
    &$top={{top}}
Prefer: odata.include-annotations="*"

### Accounts by FetchXML
GET accounts?fetchXml=
    <fetch top="5"><entity name="account"><attribute name="name"/></entity></fetch>

### Create a contact
POST contacts
Content-Type: application/json

{ "firstname": "Ada", "lastname": "Lovelace" }
`;
