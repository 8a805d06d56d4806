// Moved to aws/lineage-tags.ts (the CLI reads lineage too, and may not import activities). Kept for the
// promotion activities (src/activities/promotion/), which import it from here: point them at
// '../../aws/lineage-tags' and delete this file.
export { lineageOf, withLineage, type Tag } from '../aws/lineage-tags';
