// The part of jstat (https://github.com/jstat/jstat) we use: Student's t and the normal distribution.
declare module 'jstat' {
  export const jStat: {
    studentt: {
      cdf(x: number, dof: number): number;
      inv(p: number, dof: number): number;
    };
    normal: {
      cdf(x: number, mean: number, std: number): number;
    };
  };
}
