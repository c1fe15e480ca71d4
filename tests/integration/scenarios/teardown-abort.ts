import { teardownScenario } from './teardown-base.ts';

export default teardownScenario('abort');
