import { incidentTests } from './incidents.ts';

// Each incident on local processes, both ways: fixed passes, broken fails for its incident's reason.
incidentTests('local');
