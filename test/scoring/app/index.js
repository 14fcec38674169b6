// Fixture: only the scoring functions of the real app (compiled), so the scoring route's end-to-end
// tests do not depend on the rest of the app. Build first: npx tsc -p tsconfig.json.
require('../../../dist/functions/score.js');
require('../../../dist/functions/swagger.js');
