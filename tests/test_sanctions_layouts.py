"""Every official list layout, from small fixtures written here in each publisher's layout.

The element and column names follow the publishers' files as public readers of
them use them (OpenSanctions' crawlers: us/ofac, _global/un_sc_sanctions,
gb/fcdo_sanctions, eu/fsf; zavod/exporters/maritime.py). Names and real IMO
numbers are those OFAC lists; every other number is invented.
"""

import pytest

from conftest import shared
from shipsight.errors import InputError
from shipsight.sanctions import read_list

SDN_XML = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>05/03/2024</Publish_Date><Record_Count>3</Record_Count></publshInformation>
  <sdnEntry>
    <uid>37059</uid><lastName>ANGARA</lastName><sdnType>Vessel</sdnType>
    <programList><program>RUSSIA-EO14024</program></programList>
    <idList>
      <id><uid>1</uid><idType>Vessel Registration Identification</idType><idNumber>IMO 9179842</idNumber></id>
      <id><uid>2</uid><idType>Vessel Registration Identification</idType><idNumber>IMO 9417127</idNumber></id>
      <id><uid>3</uid><idType>MMSI</idType><idNumber>273111000</idNumber></id>
      <id><uid>4</uid><idType>MMSI</idType><idNumber>000000000</idNumber></id>
    </idList>
    <akaList>
      <aka><uid>5</uid><type>f.k.a.</type><category>strong</category><lastName>HALIT BEY</lastName></aka>
      <aka><uid>6</uid><type>a.k.a.</type><category>strong</category><lastName>ANGARA I</lastName></aka>
    </akaList>
    <vesselInfo><callSign>UBCR6</callSign><vesselType>Roll-on Roll-off</vesselType><vesselFlag>Russia</vesselFlag>
      <tonnage>6,600</tonnage><grossRegisteredTonnage>8,811</grossRegisteredTonnage></vesselInfo>
  </sdnEntry>
  <sdnEntry>
    <uid>17067</uid><lastName>CHONGCHONGANG SHIPPING COMPANY LIMITED</lastName><sdnType>Entity</sdnType>
    <programList><program>DPRK</program></programList>
    <idList><id><uid>7</uid><idType>Company Number</idType><idNumber>IMO 5342883</idNumber></id></idList>
  </sdnEntry>
  <sdnEntry><uid>9</uid><firstName>Ivan</firstName><lastName>EXAMPLE</lastName><sdnType>Individual</sdnType></sdnEntry>
</sdnList>
"""

ADVANCED_XML = """<?xml version="1.0" encoding="utf-8"?>
<Sanctions xmlns="https://www.treasury.gov/ofac/DeltaFile/1.0">
  <DateOfIssue><Year>2024</Year><Month>5</Month><Day>3</Day></DateOfIssue>
  <ReferenceValueSets>
    <AliasTypeValues><AliasType ID="1400">A.K.A.</AliasType><AliasType ID="1401">F.K.A.</AliasType>
      <AliasType ID="1403">Name</AliasType></AliasTypeValues>
    <CountryValues><Country ID="11" ISO2="RU">Russia</Country></CountryValues>
    <DetailReferenceValues><DetailReference ID="91">Roll-on Roll-off</DetailReference></DetailReferenceValues>
    <FeatureTypeValues><FeatureType ID="3">Vessel Flag</FeatureType><FeatureType ID="4">Vessel Call Sign</FeatureType>
      <FeatureType ID="5">VESSEL TYPE</FeatureType><FeatureType ID="6">Vessel Gross Registered Tonnage</FeatureType>
      <FeatureType ID="7">MMSI</FeatureType></FeatureTypeValues>
    <IDRegDocTypeValues><IDRegDocType ID="1626">Vessel Registration Identification</IDRegDocType>
      <IDRegDocType ID="1630">Company Number</IDRegDocType></IDRegDocTypeValues>
    <NamePartTypeValues><NamePartType ID="1525">Vessel Name</NamePartType>
      <NamePartType ID="1528">Entity Name</NamePartType></NamePartTypeValues>
    <PartySubTypeValues><PartySubType ID="1" PartyTypeID="3">Vessel</PartySubType>
      <PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType><PartySubType ID="4" PartyTypeID="1">Individual</PartySubType></PartySubTypeValues>
    <PartyTypeValues><PartyType ID="2">Entity</PartyType></PartyTypeValues>
    <SanctionsTypeValues><SanctionsType ID="1">Program</SanctionsType></SanctionsTypeValues>
    <ListValues><List ID="1550">SDN List</List></ListValues>
  </ReferenceValueSets>
  <Locations><Location ID="900"><LocationCountry CountryID="11"/></Location></Locations>
  <IDRegDocuments>
    <IDRegDocument ID="1" IDRegDocTypeID="1626" IdentityID="7001"><IDRegistrationNo>IMO 9179842</IDRegistrationNo></IDRegDocument>
    <IDRegDocument ID="2" IDRegDocTypeID="1626" IdentityID="7001"><IDRegistrationNo>IMO 9417127</IDRegistrationNo></IDRegDocument>
    <IDRegDocument ID="3" IDRegDocTypeID="1630" IdentityID="7002"><IDRegistrationNo>IMO 5342883</IDRegistrationNo></IDRegDocument>
  </IDRegDocuments>
  <DistinctParties>
    <DistinctParty FixedRef="37059"><Profile ID="37059" PartySubTypeID="1">
      <Identity ID="7001" FixedRef="37059" Primary="true">
        <Alias FixedRef="37059" AliasTypeID="1403" Primary="true" LowQuality="false">
          <DocumentedName ID="1" FixedRef="37059"><DocumentedNamePart><NamePartValue NamePartGroupID="51">ANGARA</NamePartValue></DocumentedNamePart></DocumentedName>
        </Alias>
        <Alias FixedRef="37059" AliasTypeID="1401" Primary="false" LowQuality="false">
          <DocumentedName ID="2" FixedRef="37059"><DocumentedNamePart><NamePartValue NamePartGroupID="51">HALIT BEY</NamePartValue></DocumentedNamePart></DocumentedName>
        </Alias>
        <NamePartGroups><MasterNamePartGroup><NamePartGroup ID="51" NamePartTypeID="1525"/></MasterNamePartGroup></NamePartGroups>
      </Identity>
      <Feature ID="1" FeatureTypeID="3"><FeatureVersion ID="1"><VersionLocation LocationID="900"/></FeatureVersion></Feature>
      <Feature ID="2" FeatureTypeID="4"><FeatureVersion ID="2"><VersionDetail DetailTypeID="1432">UBCR6</VersionDetail></FeatureVersion></Feature>
      <Feature ID="3" FeatureTypeID="5"><FeatureVersion ID="3"><VersionDetail DetailTypeID="1431" DetailReferenceID="91"/></FeatureVersion></Feature>
      <Feature ID="4" FeatureTypeID="7"><FeatureVersion ID="4"><VersionDetail DetailTypeID="1432">273111000</VersionDetail></FeatureVersion></Feature>
    </Profile></DistinctParty>
    <DistinctParty FixedRef="17067"><Profile ID="17067" PartySubTypeID="3">
      <Identity ID="7002" FixedRef="17067" Primary="true">
        <Alias FixedRef="17067" AliasTypeID="1403" Primary="true" LowQuality="false">
          <DocumentedName ID="3" FixedRef="17067"><DocumentedNamePart><NamePartValue NamePartGroupID="52">CHONGCHONGANG SHIPPING COMPANY LIMITED</NamePartValue></DocumentedNamePart></DocumentedName>
        </Alias>
        <NamePartGroups><MasterNamePartGroup><NamePartGroup ID="52" NamePartTypeID="1528"/></MasterNamePartGroup></NamePartGroups>
      </Identity>
    </Profile></DistinctParty>
  </DistinctParties>
  <SanctionsEntries>
    <SanctionsEntry ID="1" ProfileID="37059" ListID="1550">
      <EntryEvent ID="1" EntryEventTypeID="1"><Date><Year>2022</Year><Month>5</Month><Day>8</Day></Date></EntryEvent>
      <SanctionsMeasure ID="1" SanctionsTypeID="1"><Comment>RUSSIA-EO14024</Comment></SanctionsMeasure>
    </SanctionsEntry>
  </SanctionsEntries>
</Sanctions>
"""

UN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" dateGenerated="2024-05-03T00:00:00Z">
  <INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>RI</FIRST_NAME><SECOND_NAME>EXAMPLE</SECOND_NAME>
    <UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPi.999</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS>
  <ENTITIES>
    <ENTITY><DATAID>2</DATAID><FIRST_NAME>1: CHON MA SAN 2: EXAMPLE STAR 3</FIRST_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPe.901</REFERENCE_NUMBER><LISTED_ON>2018-03-30</LISTED_ON>
      <COMMENTS1>Oil tanker. IMO number: 8660313. MMSI: 1: 445111000 2: 457222000. Call sign: HMXX1.</COMMENTS1>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>CHONMASAN</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>OLD STAR</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
    <ENTITY><DATAID>3</DATAID><FIRST_NAME>OCEAN MARITIME MANAGEMENT COMPANY, LIMITED</FIRST_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPe.020</REFERENCE_NUMBER>
      <COMMENTS1>IMO Number: 1790183.</COMMENTS1></ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""

UK_XML = """<?xml version="1.0" encoding="utf-8"?>
<Designations>
  <Designation><LastUpdated>01/02/2024</LastUpdated><DateDesignated>01/02/2024</DateDesignated><UniqueID>RUS9999</UniqueID>
    <RegimeName>The Russia (Sanctions) (EU Exit) Regulations 2019</RegimeName><IndividualEntityShip>Ship</IndividualEntityShip>
    <Names><Name><Name6>ANGARA</Name6><NameType>Primary Name</NameType></Name>
      <Name><Name6>HALIT BEY</Name6><NameType>Previous Name</NameType></Name></Names>
    <ShipDetails><Ship><IMONumbers><IMONumber>9179842</IMONumber><IMONumber>0</IMONumber></IMONumbers>
      <CurrentBelievedFlagOfShips><CurrentBelievedFlagOfShip>Russia</CurrentBelievedFlagOfShip></CurrentBelievedFlagOfShips>
      <TypeOfShipDetails><TypeOfShip>Ro-Ro cargo</TypeOfShip></TypeOfShipDetails></Ship></ShipDetails>
  </Designation>
  <Designation><UniqueID>RUS0001</UniqueID><IndividualEntityShip>Individual</IndividualEntityShip>
    <Names><Name><Name1>Ivan</Name1><Name6>EXAMPLE</Name6><NameType>Primary Name</NameType></Name></Names></Designation>
  <Designation><UniqueID>RUS0002</UniqueID><IndividualEntityShip>Entity</IndividualEntityShip>
    <Names><Name><Name6>EXAMPLE SHIPPING LLC</Name6><NameType>Primary Name</NameType></Name></Names></Designation>
</Designations>
"""

UK_HEADER = ("Last Updated,Unique ID,OFSI Group ID,UN Reference Number,Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,"
             "Name type,Alias strength,Title,Name non-latin script,Non-latin script type,Non-latin script language,"
             "Regime Name,Designation Type,Designation source,Sanctions Imposed,Other Information,"
             "UK Statement of Reasons,Date Designated,IMO number,Current owner/operator (s),"
             "Previous owner/operator (s),Current believed flag of ship,Previous flags,Type of ship,"
             "Tonnage of ship,Length of ship,Year Built,Hull identification number (HIN)")


def _uk_row(uid, name, name_type, kind, imo="", flag=""):
    cells = dict.fromkeys(UK_HEADER.split(","), "")
    cells.update({"Unique ID": uid, "Name 6": name, "Name type": name_type, "Designation Type": kind,
                  "Regime Name": "The Russia (Sanctions) (EU Exit) Regulations 2019", "IMO number": imo,
                  "Current believed flag of ship": flag, "Date Designated": "01/02/2024 00:00:00",
                  "Type of ship": "Ro-Ro cargo" if kind == "Ship" else ""})
    return ",".join(cells.values())


UK_CSV = "\n".join([
    "Report Date: 03-May-2024",
    UK_HEADER,
    _uk_row("RUS9999", "ANGARA", "Primary Name", "Ship", "9179842", "Russia"),
    _uk_row("RUS9999", "EXAMPLE FORMER NAME", "Alias", "Ship", "9179842", "Russia"),
    _uk_row("RUS0001", "EXAMPLE", "Primary Name", "Individual"),
]) + "\n"

EU_XML = """<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2024-05-03T00:00:00.000+02:00">
  <sanctionEntity designationDate="2023-06-23" euReferenceNumber="EU.9999.1" logicalId="1001">
    <regulation programme="RUS" publicationDate="2023-06-23" entryIntoForceDate="2023-06-23"><publicationUrl>http://eur-lex/x</publicationUrl></regulation>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="SPARTA IV" strong="true" logicalId="1"/>
    <nameAlias wholeName="SPARTA 4" strong="false" logicalId="2"/>
    <identification identificationTypeCode="imo" number="9743033" identificationTypeDescription="IMO number" logicalId="3"/>
  </sanctionEntity>
  <sanctionEntity euReferenceNumber="EU.9999.2" logicalId="1002">
    <regulation programme="PRK" publicationDate="2017-08-12"><publicationUrl>http://eur-lex/y</publicationUrl></regulation>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="KOREA EXAMPLE SHIPPING CO" strong="true" logicalId="4"/>
    <identification identificationTypeCode="imo" number="5999990" logicalId="5"/>
  </sanctionEntity>
  <sanctionEntity euReferenceNumber="EU.9999.3" logicalId="1003">
    <subjectType code="person" classificationCode="P"/><nameAlias wholeName="Ivan Example" logicalId="6"/>
  </sanctionEntity>
</export>
"""

EU_HEADER = ("fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumber;Entity_UnitedNationId;Entity_DesignationDate;"
             "Entity_DesignationDetails;Entity_Remark;Entity_SubjectType;Entity_SubjectType_ClassificationCode;"
             "Entity_Regulation_Type;Entity_Regulation_OrganisationType;Entity_Regulation_PublicationDate;"
             "Entity_Regulation_EntryIntoForceDate;Entity_Regulation_NumberTitle;Entity_Regulation_Programme;"
             "Entity_Regulation_PublicationUrl;NameAlias_LastName;NameAlias_FirstName;NameAlias_MiddleName;"
             "NameAlias_WholeName;NameAlias_NameLanguage;Identification_TypeCode;Identification_TypeDescription;"
             "Identification_Number")


def _eu_row(logical, ref, kind, programme, name="", id_code="", number=""):
    return ";".join(["03/05/2024", logical, ref, "", "2023-06-23", "", "", kind[0].upper(), kind, "regulation",
                     "council", "2023-06-23", "2023-06-23", "2023/1214", programme, "http://eur-lex/x", "", "", "",
                     name, "", id_code, "IMO number" if id_code else "", number])


EU_CSV = "\n".join([
    EU_HEADER,
    _eu_row("1001", "EU.9999.1", "enterprise", "RUS", name="SPARTA IV"),
    _eu_row("1001", "EU.9999.1", "enterprise", "RUS", name="SPARTA 4"),
    _eu_row("1001", "EU.9999.1", "enterprise", "RUS", id_code="imo", number="9743033"),
    _eu_row("1002", "EU.9999.2", "enterprise", "PRK", name="KOREA EXAMPLE SHIPPING CO"),
    _eu_row("1002", "EU.9999.2", "enterprise", "PRK", id_code="imo", number="5999990"),
    _eu_row("1003", "EU.9999.3", "person", "RUS", name="Ivan Example"),
]) + "\n"

MARITIME_CSV = """type,caption,imo,risk,countries,flag,mmsi,id,url,datasets,aliases
VESSEL,CHON MA SAN,IMO8660313,sanction,kp,kp,445111000;457222000,NK-x,https://example.org/NK-x,un_1718_vessels;us_ofac_sdn,CHONMASAN
VESSEL,CHON MA SAN,IMO9417127,sanction,kp,kp,445111000;457222000,NK-x,https://example.org/NK-x,un_1718_vessels;us_ofac_sdn,CHONMASAN
VESSEL,NO IMO SHIP,,sanction,ru,ru,273385420,NK-y,https://example.org/NK-y,us_ofac_sdn,
ORGANIZATION,KOREA ACHIM SHIPPING CO,IMO5999990,sanction,kp,,,NK-z,https://example.org/NK-z,us_ofac_sdn,
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _one(df, entry_id):
    return df.set_index("entry_id").loc[entry_id]


def test_ofac_sdn_xml(tmp_path):
    df = read_list(_write(tmp_path, "SDN.XML", SDN_XML))
    assert df.attrs["format"] == "ofac-xml" and df["entry_id"].tolist() == ["37059"]
    angara = _one(df, "37059")
    assert angara["imos"] == ["9179842", "9417127"] and angara["mmsis"] == ["273111000"]
    assert (angara["former_names"], angara["aliases"]) == (["HALIT BEY"], ["ANGARA I"])
    assert (angara["call_signs"], angara["flags"], angara["program"]) == (["UBCR6"], ["Russia"], "RUSSIA-EO14024")
    assert (angara["gross_tonnage"], angara["deadweight"]) == (8811.0, 6600.0)
    report = df.attrs["report"]
    assert report["kept_out"] == {"entity": 1, "individual": 1} and report["company_imos"] == 1
    assert report["placeholders"] == {"imo": 0, "mmsi": 1}


def test_ofac_advanced_xml(tmp_path):
    df = read_list(_write(tmp_path, "SDN_ADVANCED.XML", ADVANCED_XML))
    assert df.attrs["format"] == "ofac-xml" and df["entry_id"].tolist() == ["37059"]
    angara = _one(df, "37059")
    assert (angara["name"], angara["imos"], angara["mmsis"]) == ("ANGARA", ["9179842", "9417127"], ["273111000"])
    assert (angara["former_names"], angara["call_signs"], angara["flags"]) == (["HALIT BEY"], ["UBCR6"], ["Russia"])
    assert (angara["vessel_type"], angara["program"], angara["listed_on"]) == ("Roll-on Roll-off", "RUSSIA-EO14024",
                                                                                "2022-05-08")
    assert df.attrs["report"]["kept_out"] == {"entity": 1} and df.attrs["report"]["company_imos"] == 1


def test_un_consolidated_xml(tmp_path):
    df = read_list(_write(tmp_path, "consolidated.xml", UN_XML))
    assert df.attrs["format"] == "un" and df["entry_id"].tolist() == ["KPe.901"]
    ship = _one(df, "KPe.901")
    # The 1718 Committee's numbered cells are split: two names, two MMSIs.
    assert (ship["name"], ship["aliases"], ship["former_names"]) == ("CHON MA SAN", ["EXAMPLE STAR 3", "CHONMASAN"],
                                                                     ["OLD STAR"])
    assert (ship["imos"], ship["mmsis"], ship["call_signs"]) == (["8660313"], ["445111000", "457222000"], ["HMXX1"])
    assert (ship["program"], ship["listed_on"]) == ("DPRK", "2018-03-30")
    # A company whose comments give its IMO company number is not a ship.
    assert df.attrs["report"]["kept_out"] == {"individual": 1, "entity": 1} and df.attrs["report"]["company_imos"] == 1


def test_uk_sanctions_list_xml_and_csv_agree(tmp_path):
    xml = read_list(_write(tmp_path, "UK_Sanctions_List.xml", UK_XML))
    csv = read_list(_write(tmp_path, "UK_Sanctions_List.csv", UK_CSV))
    for df in (xml, csv):
        assert df.attrs["format"] == "uk" and df["entry_id"].tolist() == ["RUS9999"]
        ship = _one(df, "RUS9999")
        assert (ship["name"], ship["imos"], ship["flags"]) == ("ANGARA", ["9179842"], ["Russia"])
        assert (ship["vessel_type"], ship["listed_on"]) == ("Ro-Ro cargo", "2024-02-01")
        assert ship["program"] == "The Russia (Sanctions) (EU Exit) Regulations 2019"
    assert _one(xml, "RUS9999")["former_names"] == ["HALIT BEY"]
    assert xml.attrs["report"]["placeholders"]["imo"] == 1  # IMONumber 0
    assert xml.attrs["report"]["kept_out"] == {"individual": 1, "entity": 1}
    assert _one(csv, "RUS9999")["aliases"] == ["EXAMPLE FORMER NAME"]
    assert csv.attrs["report"]["kept_out"] == {"individual": 1}


def test_eu_consolidated_xml_and_csv_agree(tmp_path):
    for name, text in (("eu.xml", EU_XML), ("eu.csv", EU_CSV)):
        df = read_list(_write(tmp_path, name, text))
        assert df.attrs["format"] == "eu" and df["entry_id"].tolist() == ["EU.9999.1"], name
        ship = _one(df, "EU.9999.1")
        assert (ship["name"], ship["imos"], ship["program"]) == ("SPARTA IV", ["9743033"], "RUS")
        assert "SPARTA 4" in ship["aliases"] and ship["listed_on"] == "2023-06-23"
        # 5999990 fails a ship's check digit: a company number on an enterprise, not a vessel
        report = df.attrs["report"]
        assert (report["kept_out"], report["company_imos"]) == ({"enterprise": 1, "person": 1}, 1), name


def test_opensanctions_maritime_csv(tmp_path):
    df = read_list(_write(tmp_path, "maritime.csv", MARITIME_CSV))
    assert df.attrs["format"] == "opensanctions" and df["entry_id"].tolist() == ["NK-x", "NK-y"]
    ship = _one(df, "NK-x")  # one entity on two rows, one per IMO
    assert (ship["imos"], ship["mmsis"], ship["aliases"]) == (["8660313", "9417127"], ["445111000", "457222000"],
                                                              ["CHONMASAN"])
    assert (ship["risk"], ship["datasets"]) == ("sanction", ["un_1718_vessels", "us_ofac_sdn"])
    assert df.attrs["report"]["kept_out"] == {"organization": 1} and df.attrs["report"]["company_imos"] == 1
    assert read_list(tmp_path / "maritime.csv", format="opensanctions")["entry_id"].tolist() == ["NK-x", "NK-y"]


def test_malformed_identifier_in_an_official_list_is_left_out_and_reported(tmp_path):
    text = UK_XML.replace("<IMONumber>0</IMONumber>", "<IMONumber>91798420</IMONumber>")
    df = read_list(_write(tmp_path, "uk.xml", text))
    assert _one(df, "RUS9999")["imos"] == ["9179842"]
    assert df.attrs["report"]["left_out"] == [{"entry": "RUS9999", "field": "imo", "value": "91798420",
                                               "why": "not seven digits"}]


@pytest.mark.parametrize("text, match", [
    ('<?xml version="1.0"?><catalog><book/></catalog>', r"root element <catalog>.*reads ofac-sdn .*uk \(UK Sanctions"),
    ("<Designations><Designation><UniqueID>X</UniqueID>", r"line 1, column \d+: is not well-formed XML"),
    ('<?xml version="1.0"?><sdnList></sdnList>', "holds no sdnEntry"),
])
def test_bad_xml_lists_say_what_and_where(tmp_path, text, match):
    with pytest.raises(InputError, match=match) as info:
        read_list(_write(tmp_path, "list.xml", text))
    assert "\n" not in str(info.value) and "list.xml" in str(info.value)


def test_real_ofac_file_counts():
    """shared/data/sanctions/ofac_sdn_2024-05-03.csv: 851 vessel rows; 6,854 individuals, 6,884 entities and 376
    aircraft kept out; 135 entities carry an IMO company number ("Company Number IMO ...", "Identification
    Number IMO ...")."""
    df = read_list(shared("sanctions/ofac_sdn_2024-05-03.csv"))
    report = df.attrs["report"]
    assert len(df) == 851 and report["vessels"] == 851
    assert report["kept_out"] == {"individual": 6854, "entity": 6884, "aircraft": 376}
    assert report["company_imos"] == 135
    # 842 print "IMO nnnnnnn" (shared/data/README.md); two more "IMO  nnnnnnn" with two spaces (37032, 37043)
    # and two a bare registration number with a ship's check digit (17104, 33809).
    assert df["imo"].notna().sum() == 846
    assert _one(df, "37059")["imos"] == ["9179842"]
