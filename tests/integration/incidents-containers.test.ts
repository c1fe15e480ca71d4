import { incidentTests } from './incidents.ts';

// Each incident's fixed mode on containers: its parts, links and fault actions on the containers' wiring.
incidentTests('containers');
