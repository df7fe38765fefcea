import { displayPath } from '../../config/load.js';
import type { Problem } from '../../config/validate/problems.js';
import { validateProject, type ValidationReport } from '../../config/validate/validate-project.js';
import type { CommandFunction } from '../context.js';

const configValidate: CommandFunction = async (ctx, _args, options) => {
  const report = await validateProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env, checkKeys: options.keys !== false });
  const files = report.files.map((file) => ({ path: displayPath(file.path, ctx.cwd), problems: file.problems }));

  if (options.json) {
    ctx.io.json({ ok: report.ok, files: files.map(({ path, problems }) => ({ path, problems: problems.map(jsonProblem) })) });
  } else {
    const color = ctx.io.color.out;
    for (const { path, problems } of files) {
      for (const problem of problems) {
        const place = problem.line !== null ? `${path}:${problem.line}:${problem.column}` : path;
        const label = problem.severity === 'warning' ? `${color.yellow('warning:')} ` : '';
        // The root's pointer is '' (the whole file is of the wrong type): shown as `/`.
        const pointer = problem.pointer === null ? '' : `${problem.pointer || '/'}: `;
        ctx.io.out(`${color.bold(place)}: ${label}${pointer}${problem.message}\n`);
        if (problem.hint) ctx.io.out(`  ${color.dim(`hint: ${problem.hint}`)}\n`);
      }
    }
    ctx.io.out(`${summary(report)}\n`);
  }
  return report.ok ? 0 : 1;
};

function jsonProblem(problem: Problem) {
  return { severity: problem.severity, pointer: problem.pointer, line: problem.line, column: problem.column, message: problem.message };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export function summary(report: ValidationReport): string {
  return `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')} in ${plural(report.files.length, 'file')}`;
}

export default configValidate;
