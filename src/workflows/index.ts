export { fineTune } from './fine-tune';
export { reconcile } from './reconcile';
export { promote } from './promote';
export { rollBack } from './roll-back';
export { jobSlots } from './job-slots';
