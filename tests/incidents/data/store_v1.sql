-- An incident store written by airsentry at schema version 1 (with the
-- server_users table auth.py created then), dumped with sqlite3's iterdump().
PRAGMA user_version = 1;
BEGIN TRANSACTION;
CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        time REAL NOT NULL,
        operator TEXT NOT NULL,
        action TEXT NOT NULL,
        note TEXT NOT NULL
    );
INSERT INTO "decisions" VALUES(1,'EST-2025-0001',1758275940.0,'Tamm','acknowledge','seen');
INSERT INTO "decisions" VALUES(2,'EST-2025-0001',1758276000.0,'Tamm','note','QRA warned');
INSERT INTO "decisions" VALUES(3,'EST-2025-0001',1758276060.0,'Kask','intercept_and_escort','go');
INSERT INTO "decisions" VALUES(4,'LVA-2025-0001',1758276240.0,'Kask','refuse:engage','not ours');
CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        dedup TEXT NOT NULL UNIQUE,      -- sha256 of the canonical event JSON
        kind TEXT NOT NULL,
        time REAL NOT NULL,              -- epoch seconds UTC
        zone_id TEXT NOT NULL,
        zone_kind TEXT NOT NULL,
        owner TEXT NOT NULL,
        track_id INTEGER,
        identity TEXT NOT NULL,
        incident_id TEXT REFERENCES incidents(id),
        data TEXT NOT NULL               -- JSON of Event.to_dict()
    );
INSERT INTO "events" VALUES(1,'68ffbbc3e8e9670e7275cf5121f42b021fb71c1cc9251c065ebaff2e7a5db186','entry',1758275880.0,'EST-sov','sovereign','EST',1,'','EST-2025-0001','{"alt_m":9000.0,"authorised":false,"callsign":"","identity":"","kind":"entry","lat":59.83,"lon":26.37,"reasons":["no transponder","foreign state aircraft"],"sensor":"radar-1","target_class":"fast_jet","time":"2025-09-19T09:58:00.000Z","track_id":1,"zone_id":"EST-sov","zone_kind":"sovereign","zone_name":"Estonia national airspace","zone_owner":"EST"}');
INSERT INTO "events" VALUES(2,'f2f27f36bbc8b9853ded7c62034471985374d18a99ec2cce4ccff5150336956f','entry',1758276180.0,'LVA-sov','sovereign','LVA',2,'','LVA-2025-0001','{"alt_m":9000.0,"authorised":false,"callsign":"","identity":"","kind":"entry","lat":59.84,"lon":26.38,"reasons":["no transponder","foreign state aircraft"],"sensor":"radar-1","target_class":"fast_jet","time":"2025-09-19T10:03:00.000Z","track_id":2,"zone_id":"LVA-sov","zone_kind":"sovereign","zone_name":"Latvia national airspace","zone_owner":"LVA"}');
INSERT INTO "events" VALUES(3,'4da7356f76df0d09f21dbc9272cda0ef37e43437de42bdbbff77681e0eb1cd79','exit',1758276420.0,'LVA-sov','sovereign','LVA',2,'','LVA-2025-0001','{"alt_m":9000.0,"authorised":false,"callsign":"","depth_m":null,"dwell_s":null,"identity":"","kind":"exit","lat":59.87,"lon":26.31,"reasons":[],"sensor":"radar-1","target_class":"fast_jet","time":"2025-09-19T10:07:00.000Z","track_id":2,"zone_id":"LVA-sov","zone_kind":"sovereign","zone_name":"Latvia national airspace","zone_owner":"LVA"}');
CREATE TABLE incident_tracks (
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        track_key TEXT NOT NULL,         -- track:<id> or identity:<identity>
        track_id INTEGER,
        identity TEXT NOT NULL,
        target_class TEXT NOT NULL,
        first_time REAL NOT NULL,
        last_time REAL NOT NULL,
        last_entry REAL,
        last_exit REAL,
        dwell_s REAL NOT NULL,
        depth_m REAL NOT NULL,
        PRIMARY KEY (incident_id, track_key)
    );
INSERT INTO "incident_tracks" VALUES('EST-2025-0001','track:1',1,'','fast_jet',1758275880.0,1758275880.0,1758275880.0,NULL,0.0,0.0);
INSERT INTO "incident_tracks" VALUES('LVA-2025-0001','track:2',2,'','fast_jet',1758276180.0,1758276420.0,1758276180.0,1758276420.0,240.0,0.0);
CREATE TABLE incidents (
        id TEXT PRIMARY KEY,             -- OWNER-YEAR-nnnn
        seq INTEGER NOT NULL,            -- the nnnn
        natural_key TEXT NOT NULL UNIQUE,-- zone|start|first identity or track (replays)
        zone_id TEXT NOT NULL,
        zone_kind TEXT NOT NULL,
        zone_name TEXT NOT NULL,
        owner TEXT NOT NULL,
        id_year INTEGER NOT NULL,        -- the year in the id, fixed at creation
        year INTEGER NOT NULL,           -- UTC year of start
        start_time REAL NOT NULL,
        end_time REAL NOT NULL,
        track_ids TEXT NOT NULL,
        identities TEXT NOT NULL,
        classes TEXT NOT NULL,
        object_count INTEGER NOT NULL,
        dwell_s REAL NOT NULL,
        depth_m REAL NOT NULL,
        severity INTEGER NOT NULL,
        recommendation TEXT,             -- JSON of Recommendation.to_dict() or NULL
        reasons TEXT NOT NULL,
        status TEXT NOT NULL,
        ordinal INTEGER,                 -- among owner's sovereign incidents that year
        UNIQUE (owner, id_year, seq)
    );
INSERT INTO "incidents" VALUES('EST-2025-0001',1,'EST-sov|2025-09-19T09:58:00.000Z|track:1','EST-sov','sovereign','Estonia national airspace','EST',2025,2025,1758275880.0,1758275880.0,'[1]','[]','["fast_jet"]',1,0.0,0.0,41,'{"action":"intercept_and_escort","authority":"commander","needs_decision":true,"reasons":["1 objects in sovereign zone","no transponder","foreign state aircraft"],"target":""}','["no transponder","foreign state aircraft"]','open',1);
INSERT INTO "incidents" VALUES('LVA-2025-0001',1,'LVA-sov|2025-09-19T10:03:00.000Z|track:2','LVA-sov','sovereign','Latvia national airspace','LVA',2025,2025,1758276180.0,1758276420.0,'[2]','[]','["fast_jet"]',1,240.0,0.0,41,'{"action":"intercept_and_escort","authority":"commander","needs_decision":true,"reasons":["1 objects in sovereign zone","no transponder","foreign state aircraft"],"target":""}','["no transponder","foreign state aircraft"]','closed',1);
CREATE TABLE server_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created REAL NOT NULL            -- epoch seconds UTC
);
INSERT INTO "server_users" VALUES('kask','commander','8a7a5c20e54edf0f30bfb9fb8cbdd21e026aaab777364afa98a8992e844e93d7',1.79638077280063509933e+09);
INSERT INTO "server_users" VALUES('tamm','operator','9705b21b8dd489bbcc2c11a1f475768c6ba0a0f894d52f896d4184dd489578ad',1.79638077280082559582e+09);
CREATE INDEX events_incident ON events(incident_id, time);
CREATE INDEX events_time ON events(time);
CREATE INDEX events_zone ON events(zone_id, time);
CREATE INDEX events_kind ON events(kind, time);
CREATE INDEX events_track ON events(track_id, identity);
CREATE INDEX incidents_owner_year ON incidents(owner, year, zone_kind);
CREATE INDEX incidents_status ON incidents(status);
CREATE INDEX incidents_start ON incidents(start_time);
CREATE INDEX decisions_incident ON decisions(incident_id, time);
COMMIT;
