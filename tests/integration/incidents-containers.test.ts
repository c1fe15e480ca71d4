import { incidentTests } from './incidents.ts';

// The incidents whose whole run on containers shows what their fault actions alone do not (incidents.ts says which and why).
incidentTests('containers');
