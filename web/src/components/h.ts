/**
 * `h` = React.createElement. The repository's tsconfig has no JSX setting (one config types
 * the engine and the web app alike), so components build elements with calls instead of TSX.
 */
import { createElement, Fragment } from 'react';

export const h = createElement;
export { Fragment };
