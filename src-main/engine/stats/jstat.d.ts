// The part of jstat (https://github.com/jstat/jstat) we use: Student's t distribution.
declare module 'jstat' {
  export const jStat: {
    studentt: {
      cdf(x: number, dof: number): number;
      inv(p: number, dof: number): number;
    };
  };
}
