// dataDirOfValue: which folder an ENV value names for the app's data, as written
// (relative ones are resolved against the final WORKDIR by imageWritePaths).
import { describe, it, expect } from 'vitest';
import { dataDirOfValue } from '../src/write-paths.js';

describe('dataDirOfValue', () => {
  it('reads folders, database files and SQLite URLs, absolute or relative', () => {
    expect(dataDirOfValue('/srv/app/state')).toBe('/srv/app/state');
    expect(dataDirOfValue('data')).toBe('data');
    expect(dataDirOfValue('./files/uploads')).toBe('./files/uploads');
    expect(dataDirOfValue('data/gotify.db')).toBe('data');
    expect(dataDirOfValue('/var/lib/app/app.sqlite3')).toBe('/var/lib/app');
    // SQLAlchemy: four slashes an absolute file, three a file relative to the working directory.
    expect(dataDirOfValue('sqlite:////var/lib/notes/notes.db')).toBe('/var/lib/notes');
    expect(dataDirOfValue('sqlite:///db/app.db')).toBe('db');
  });

  it('names no folder for other files, URLs, host:port, variables or paths leaving the working directory', () => {
    expect(dataDirOfValue('/app/config.yml')).toBeUndefined();
    expect(dataDirOfValue('postgres://db:5432/app')).toBeUndefined();
    expect(dataDirOfValue('redis:6379')).toBeUndefined();
    expect(dataDirOfValue('${DATA}/x')).toBeUndefined();
    expect(dataDirOfValue('../shared')).toBeUndefined();
    expect(dataDirOfValue('app.db')).toBeUndefined();
    expect(dataDirOfValue('')).toBeUndefined();
  });
});
