-- docker-compose only (development): the API's login with a development
-- password, made when the postgres container initialises its data directory.
-- db/afterReset.sql (run by the migrate service) leaves an existing role as
-- it is and grants it what it needs. In production a DBA creates the role
-- with a real secret (docs/database-access.md).
create role aquastream_authenticator login noinherit password 'aquastream-authenticator-dev';
