import { benchScale } from './scale';
import { renderMarkdown } from './table';
benchScale({ quick: false }).then((r) => console.log(renderMarkdown(r)));
