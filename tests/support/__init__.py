"""What the tests share besides fixtures: paths, the agency's people, test clients, sample
documents and answers, and story helpers. Fixtures live in the conftest.py files, which
import from here; test modules import from here too, never from a conftest or from one
another.

    paths           where the shipped and the test-only processes and forms are
    people          the agency's staff, their password, the first client, the clock's start
    plan_approval   answers for the small plan-approval diagram of tests/processes
    clients         Flask test clients that sign in: ApiClient (JSON API), Browser (pages)
    apps            the Flask app the tests serve, built over a test's engine and database
    lifecycle       answers for each form of the shipped lifecycle, and Story
    designer        the shipped diagram's text, hostile uploads, deploy_with
    bpmn_samples    small BPMN documents built for one check each
    subprocesses    casepath run in other processes, as a deployment would
    browser         Playwright helpers shared by tests/browser: LiveServer, sign_in
"""
