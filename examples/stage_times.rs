use std::time::Instant;
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("examples/values/minimal.yaml".into());
    let n = 2000;
    let text = std::fs::read_to_string(&path).unwrap();
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let sources = vec![capiform::values::ValuesSource::Yaml {
        name: "v".into(),
        text: text.clone(),
    }];
    let req = capiform::RenderRequest::new("demo", "default").with_values_yaml(&path, text.clone());
    let m = capiform::render(&req, set).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(capiform::values::merged_values(set.defaults(), &sources).unwrap());
    }
    println!("merge {:?}", t.elapsed() / n);
    let raw = capiform::values::merged_values(set.defaults(), &sources).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(capiform::schema::check("v1", &raw));
    }
    println!("schema {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(capiform::values::typed_values(&raw).unwrap());
    }
    println!("typed {:?}", t.elapsed() / n);
    let typed = capiform::validation::validate(&raw).unwrap();
    let ctx = capiform::Context {
        release: "demo",
        namespace: "default",
        values: &typed,
        raw: &raw,
        templates: set,
        existing: &[],
    };
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(capiform::resources::build(&ctx).unwrap());
    }
    println!("core {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(capiform::addons::build(&ctx).unwrap());
    }
    println!("addons {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(capiform::render(&req, set).unwrap());
    }
    println!("render {:?}", t.elapsed() / n);
    let mut acc = [std::time::Duration::ZERO; 6];
    for _ in 0..n {
        let t0 = Instant::now();
        let raw = capiform::values::merged_values(set.defaults(), &sources).unwrap();
        let t1 = Instant::now();
        let (typed, _p) = capiform::validation::check(&raw);
        let typed = typed.unwrap();
        let t2 = Instant::now();
        let ctx = capiform::Context {
            release: "demo",
            namespace: "default",
            values: &typed,
            raw: &raw,
            templates: set,
            existing: &[],
        };
        let a = capiform::resources::build(&ctx);
        let t3 = Instant::now();
        let b = capiform::addons::build(&ctx);
        let t4 = Instant::now();
        drop(a);
        drop(b);
        let t5 = Instant::now();
        drop(typed);
        drop(raw);
        let t6 = Instant::now();
        acc[0] += t1 - t0;
        acc[1] += t2 - t1;
        acc[2] += t3 - t2;
        acc[3] += t4 - t3;
        acc[4] += t5 - t4;
        acc[5] += t6 - t5;
    }
    println!(
        "in-loop merge/check/core/addons/drop-objs/drop-values {:?}",
        acc.map(|d| d / n)
    );
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(m.to_yaml());
    }
    println!("emit {:?}", t.elapsed() / n);
}
#[allow(dead_code)]
fn unused() {}
