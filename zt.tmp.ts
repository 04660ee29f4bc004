import { AppConfigSchema } from './server/config/schema.js';
import { configKeys } from './server/config/keys.js';
for (const k of configKeys(AppConfigSchema)) console.log(k.path.padEnd(45), k.type.padEnd(30), k.hasDefault ? JSON.stringify(k.default) : '-', k.description ? '' : 'NO DESC', k.variants ? k.variants.map(v=>v.name+':'+v.keys.map(x=>x.path).join(',')).join(' ; ') : '');
