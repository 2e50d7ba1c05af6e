"""联合奖惩 in departments' own work (issue 23): the matters a department checks subjects in, the
measures the law attaches to what a check finds, the check itself (one subject or a list), its
核查报告, and the department's feedback on what it did. docs/subsystems/discipline.md."""
