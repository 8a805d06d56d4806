export { fineTune } from './fine-tune';
export { reconcile } from './reconcile';
